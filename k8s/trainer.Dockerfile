# The image that runs both `netgrow worker` and `netgrow train --spec` (trainer pods).
# Build it where the network reaches the libtensorflow download: the explicit rebuild runs
# tfjs-node-gpu's install script, and netgrow then prints "backend: tensorflow" at start.
#   docker build -f k8s/trainer.Dockerfile -t ghcr.io/your-org/netgrow:0.1.0 .
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --include=optional
COPY . .
RUN npm run build && npm prune --omit=dev

FROM nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /opt/netgrow
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
COPY --from=build /src/package.json ./
RUN cd /opt/netgrow && /usr/local/bin/node node_modules/npm/bin/npm-cli.js rebuild @tensorflow/tfjs-node-gpu 2>/dev/null || \
    (apt-get update && apt-get install -y --no-install-recommends npm && npm rebuild @tensorflow/tfjs-node-gpu)
USER 1000
ENTRYPOINT ["node", "/opt/netgrow/bin/netgrow.js"]
