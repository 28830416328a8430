# The image that runs both `netgrow worker` and `netgrow train --spec` (trainer pods), on
# TensorFlow's GPU build. The `tensorflow` backend is built by scripts/build-native.sh, the same
# script that scripts/setup.sh (and so CI) runs on CPU machines; here NETGROW_NATIVE=gpu makes
# it install PyPI `tensorflow[and-cuda]==2.21.0` (TensorFlow with its CUDA 12 user-space
# libraries as pip packages) and compile @tensorflow/tfjs-node-gpu's binding against it.
# Only the package registries are needed to build; nothing is downloaded at run time.
#   docker build -f k8s/trainer.Dockerfile -t ghcr.io/your-org/netgrow:0.1.0 .
ARG CUDA_BASE=nvidia/cuda:12.8.1-runtime-ubuntu24.04
FROM node:20-bookworm-slim AS node

# Build and run at the same path: build-native.sh links the binding's deps/ to the venv.
FROM ${CUDA_BASE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv g++ make \
    && rm -rf /var/lib/apt/lists/*
# Node 20 with its headers (include/node) and npm's bundled node-gyp.
COPY --from=node /usr/local /usr/local
WORKDIR /opt/netgrow
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev
# After the prune: tfjs-node-gpu is installed --no-save, and a prune would remove it again.
RUN npm_config_omit=dev NETGROW_NATIVE=gpu bash scripts/build-native.sh \
    && ls -d "$PWD"/.tools/venv/lib/python3*/site-packages/nvidia/*/lib >.tools/cuda-libs.conf

FROM ${CUDA_BASE}
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=build /opt/netgrow /opt/netgrow
# TensorFlow dlopens the CUDA libraries by name; the pip packages keep them in the venv.
RUN cp /opt/netgrow/.tools/cuda-libs.conf /etc/ld.so.conf.d/netgrow-cuda.conf && ldconfig \
    && useradd --uid 10001 --create-home netgrow
USER 10001
WORKDIR /opt/netgrow
ENTRYPOINT ["node", "/opt/netgrow/bin/netgrow.js"]
