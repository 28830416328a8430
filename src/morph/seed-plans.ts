/**
 * The seed's four plans that grow its Net2Net teacher (the `seed-teacher` builtin) into a
 * VGG-like net (legacy/vgg_net2net.py, `vgg_net2net` … `vgg_net2net3`), in netgrow's command
 * language. Positional names are recomputed after every command, as the seed's
 * `reorder_model` did, so they apply verbatim.
 *
 * Plans 0–2 reach the seed's target widths exactly: conv 64, 64, 128, 128, 256, 256, 256,
 * 256 and fc 2048, 1024 (the widths of the `vgg8` builtin). Plan 3 interleaves deepening and
 * widening, so its ratios compound (a deepened layer copies the widened width): verbatim,
 * `wider conv6 x4` would take conv6 to 4096 filters and fc1 to 200704x2048 weights, which
 * netgrow refuses (`too_large`).
 * The seed never noticed because its wider silently skipped any widening that reached its
 * width limits (512 filters, 4096 units); `SEED_VGG_PLAN3_AS_RUN` is plan 3 with those
 * skipped commands left out — the network the seed actually trained.
 */
export const SEED_VGG_PLANS: readonly string[] = [
  'deeper conv2; deeper fc1; deeper conv3; deeper conv4; deeper conv5; deeper conv6; deeper conv7; ' +
    'wider conv8 x4; wider conv3 x2; wider conv4 x2; wider conv5 x4; wider conv6 x4; wider conv7 x4; ' +
    'wider fc1 x32; wider fc2 x16',
  'deeper conv2; deeper fc1; deeper conv3; deeper conv4; deeper conv5; deeper conv6; deeper conv7; ' +
    'wider conv3 x2; wider conv4 x2; wider conv5 x4; wider conv6 x4; wider conv7 x4; wider conv8 x4; ' +
    'wider fc1 x32; wider fc2 x16',
  'deeper conv2; deeper fc1; deeper conv3; deeper conv4; deeper conv5; deeper conv6; deeper conv7; ' +
    'wider conv8 x4; wider conv7 x4; wider conv6 x4; wider conv5 x4; wider conv4 x2; wider conv3 x2; ' +
    'wider fc2 x16; wider fc1 x32',
  'deeper conv2; wider conv3 x2; wider fc1 x32; deeper fc1; wider fc2 x16; deeper conv3; wider conv4 x2; ' +
    'deeper conv4; wider conv5 x4; deeper conv5; wider conv6 x4; deeper conv6; wider conv7 x4; ' +
    'deeper conv7; wider conv8 x4',
];

/** Plan 3 without the widenings the seed's width limits turned into no-ops. */
export const SEED_VGG_PLAN3_AS_RUN =
  'deeper conv2; wider conv3 x2; wider fc1 x32; deeper fc1; deeper conv3; wider conv4 x2; ' +
  'deeper conv4; deeper conv5; deeper conv6; deeper conv7';
