/**
 * Whether a container image name is a reference a kubelet can pull: the grammar of
 * distribution/reference (github.com/distribution/reference, reference.go), which the
 * container runtime applies. The API server accepts any non-empty string, so a typo would
 * otherwise surface only as a pod stuck in InvalidImageName.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

/** Why `image` is not a valid image reference (null when it is). */
export function imageReferenceProblem(image: string): string | null {
  if (image.length > 255) return `"${image.slice(0, 40)}…" is longer than 255 characters`;
  if (REFERENCE.test(image)) return null;
  return (
    `"${image}" is not a valid image reference: lowercase repository path, optional registry ` +
    'host and :tag or @sha256:digest, e.g. ghcr.io/org/netgrow-trainer:1.0'
  );
}
