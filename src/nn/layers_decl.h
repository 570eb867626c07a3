/*
 * layers_decl.h - the layer functions, declared for one element type.
 * Included twice by layers.h (float, then double with NN_F64_DECL); do not
 * include it directly.
 *
 * Conventions for every layer:
 *   - Shapes are written beside each buffer, row-major: x (n, c) means
 *     x[i*c + j]. Images are NCHW.
 *   - Forward writes its outputs (=) and the caches it names.
 *   - Backward WRITES input gradients (dx =) and ACCUMULATES parameter
 *     gradients (dw +=), so a training step zeroes the gradient block once.
 *     A NULL dx (or dw/db where documented) skips that gradient.
 *   - Nothing allocates; layers that need scratch take `work`, sized by the
 *     matching nn_xxx_workspace() in elements.
 *   - Matrix products go through cblas (OpenBLAS).
 */
#ifndef NN_LAYERS_DECL_PASS
#error "include layers.h, not layers_decl.h"
#endif

#ifdef NN_F64_DECL
#define NN_DR       double
#define NN_DN(name) name##_f64
#else
#define NN_DR       float
#define NN_DN(name) name
#endif

/* ---- Linear ---------------------------------------------------------------
 * y (n, out) = x (n, in) . w (out, in)^T + b (out); b may be NULL.
 * Backward: dx (n, in) = dy . w; dw (out, in) += dy^T . x; db += column sums
 * of dy. dx, dw or db NULL skips that gradient (db NULL: no bias). */
void NN_DN(nn_linear_forward)(NN_DR *y, const NN_DR *x, const NN_DR *w, const NN_DR *b,
                              int n, int in, int out);
void NN_DN(nn_linear_backward)(NN_DR *dx, NN_DR *dw, NN_DR *db, const NN_DR *dy,
                               const NN_DR *x, const NN_DR *w, int n, int in, int out);

/* ---- LayerNorm over the last dimension ------------------------------------
 * x (n, c): y = (x - mean) * rstd * gamma + beta, rstd = 1/sqrt(var + eps),
 * var biased (as torch). mean (n) and rstd (n) are saved for the backward.
 * Backward: dx (n, c) written (the _add form: dx += it, dx overlapping
 * neither dy nor x); dgamma (c), dbeta (c) accumulate. */
void NN_DN(nn_layernorm_forward)(NN_DR *y, NN_DR *mean, NN_DR *rstd, const NN_DR *x,
                                 const NN_DR *gamma, const NN_DR *beta, int n, int c,
                                 double eps);
void NN_DN(nn_layernorm_backward)(NN_DR *dx, NN_DR *dgamma, NN_DR *dbeta, const NN_DR *dy,
                                  const NN_DR *x, const NN_DR *mean, const NN_DR *rstd,
                                  const NN_DR *gamma, int n, int c);
void NN_DN(nn_layernorm_backward_add)(NN_DR *dx, NN_DR *dgamma, NN_DR *dbeta,
                                      const NN_DR *dy, const NN_DR *x, const NN_DR *mean,
                                      const NN_DR *rstd, const NN_DR *gamma, int n,
                                      int c);

/* ---- Activation (any libgolu activation) ----------------------------------
 * y = f(x) over n values; act carries the current parameter values (PReLU's
 * slope in alpha; GoLU's alpha, beta, gamma). y may equal x.
 * Backward: dx = dy * f'(x) (dx may equal dy); when dparam is not NULL and
 * the activation has parameters (GoLU, PReLU, LeakyReLU), dparam[k] +=
 * sum_i dy_i * df(x_i)/dparam_k in the order of golu_param_grad. */
golu_status NN_DN(nn_act_forward)(const golu_ctx *ctx, const golu_act *act, NN_DR *y,
                                  const NN_DR *x, size_t n);
golu_status NN_DN(nn_act_backward)(const golu_ctx *ctx, const golu_act *act, NN_DR *dx,
                                   const NN_DR *dy, const NN_DR *x, size_t n,
                                   double dparam[3]);

/* ---- Softmax cross-entropy ------------------------------------------------
 * logits (n, k), targets (n) each in [0, k). probs (n, k) gets the softmax
 * (max-subtracted). Returns the mean over rows of -log p[target], summed in
 * double. Backward: dlogits (n, k) = (probs - onehot) * scale, where scale
 * is dloss/n for the mean loss (1/n for a plain mean); dlogits may equal
 * probs. */
double NN_DN(nn_softmax_ce_forward)(NN_DR *probs, const NN_DR *logits,
                                    const int32_t *targets, int n, int k);
void NN_DN(nn_softmax_ce_backward)(NN_DR *dlogits, const NN_DR *probs,
                                   const int32_t *targets, int n, int k, double scale);

/* ---- Dropout (inverted) ---------------------------------------------------
 * mask[i] = 0 with probability p, else 1/(1-p), from the counter RNG
 * nn_rng_uniform(seed, stream, first + i) < p: the same mask for the same
 * (seed, stream) whatever ran before; first is the counter of x[0] (a
 * share of a batch starts where the whole batch would be). y = x * mask; y
 * may equal x. p = 0: y = x, mask all 1. Backward: dx = dy * mask (dx may
 * equal dy). */
void NN_DN(nn_dropout_forward)(NN_DR *y, NN_DR *mask, const NN_DR *x, size_t n, double p,
                               uint64_t seed, uint64_t stream, uint64_t first);
void NN_DN(nn_dropout_backward)(NN_DR *dx, const NN_DR *dy, const NN_DR *mask, size_t n);

/* ---- Residual add ---------------------------------------------------------
 * y = a + b (y may equal a or b); the backward of an add is the identity on
 * both inputs, so models pass dy on (nn_accumulate adds it where two paths
 * join: y += x). */
void NN_DN(nn_add)(NN_DR *y, const NN_DR *a, const NN_DR *b, size_t n);
void NN_DN(nn_accumulate)(NN_DR *y, const NN_DR *x, size_t n);

/* ---- Embedding ------------------------------------------------------------
 * y (n, c) row i = table (v, c) row idx[i]; idx in [0, v) (the caller
 * checks). Backward: dtable rows idx[i] += dy row i. */
void NN_DN(nn_embedding_forward)(NN_DR *y, const NN_DR *table, const int32_t *idx, int n,
                                 int c);
void NN_DN(nn_embedding_backward)(NN_DR *dtable, const NN_DR *dy, const int32_t *idx,
                                  int n, int c);

/* ---- Conv2d (im2col + GEMM) -----------------------------------------------
 * x (n, cin, h, w), w (cout, cin, k, k), b (cout) or NULL, y (n, cout, ho,
 * wo), shape in s. work holds nn_conv2d_workspace(s) elements.
 * Backward: dx written (NULL skips); dw += ; db += (NULL skips). */
void NN_DN(nn_conv2d_forward)(NN_DR *y, const NN_DR *x, const NN_DR *w, const NN_DR *b,
                              const nn_conv2d_shape *s, NN_DR *work);
void NN_DN(nn_conv2d_backward)(NN_DR *dx, NN_DR *dw, NN_DR *db, const NN_DR *dy,
                               const NN_DR *x, const NN_DR *w, const nn_conv2d_shape *s,
                               NN_DR *work);

/* ---- BatchNorm2d ----------------------------------------------------------
 * x, y (n, c, hw). training != 0: per-channel batch mean and biased variance
 * normalise; mean (c) and rstd (c) are saved; running_mean/running_var (c),
 * when not NULL, become (1-momentum)*r + momentum*stat with the UNBIASED
 * variance (as torch). training == 0: the running statistics normalise, and
 * mean/rstd are set from them. gamma (c), beta (c). y NULL: the statistics
 * only (a caller that applies them itself, fused with what follows).
 * Backward (matching mode): dx written (it must not alias dy); dgamma, dbeta
 * accumulate. */
void NN_DN(nn_batchnorm2d_forward)(NN_DR *y, NN_DR *mean, NN_DR *rstd,
                                   NN_DR *running_mean, NN_DR *running_var,
                                   const NN_DR *x, const NN_DR *gamma, const NN_DR *beta,
                                   int n, int c, int hw, int training, double momentum,
                                   double eps);
void NN_DN(nn_batchnorm2d_backward)(NN_DR *dx, NN_DR *dgamma, NN_DR *dbeta,
                                    const NN_DR *dy, const NN_DR *x, const NN_DR *mean,
                                    const NN_DR *rstd, const NN_DR *gamma, int n, int c,
                                    int hw, int training);
/* The backward's per-plane sums, for a caller that has the planes in cache
 * already (a fused activation backward): sums[0] = sum dy, sums[1] = sum
 * dy * (x - mean) over one plane (hw) of one image and channel, mean the
 * saved mean. nn_batchnorm2d_backward_sums takes them as plane_sums (n, c,
 * 2), image-major, and adds them in image order: the same bits as
 * nn_batchnorm2d_backward, one pass over dy and x fewer. */
void NN_DN(nn_batchnorm2d_plane_sums)(double sums[2], const NN_DR *dy, const NN_DR *x,
                                      NN_DR mean, int hw);
/* The forward's statistics from per-plane ones, for a caller that has the
 * planes in cache as they are made (the convolution before): st[0] = the
 * plane's sum, st[1] and st[2] the sums of the squares and of its
 * deviations from its own (rounded) mean, by nn_batchnorm2d_plane_stats;
 * nn_batchnorm2d_stats_of_planes takes them as plane_stats (n, c, 3),
 * image-major, and does what
 * nn_batchnorm2d_forward with y NULL does (mean, rstd saved; the running
 * statistics moved in training; in eval mode plane_stats is not read)
 * without reading x: the same statistics up to rounding, not the same
 * bits. */
void NN_DN(nn_batchnorm2d_plane_stats)(double st[3], const NN_DR *x, int hw);
void NN_DN(nn_batchnorm2d_stats_of_planes)(NN_DR *mean, NN_DR *rstd, NN_DR *running_mean,
                                           NN_DR *running_var, const NN_DR *gamma,
                                           const double *plane_stats, int n, int c,
                                           int hw, int training, double momentum,
                                           double eps);
void NN_DN(nn_batchnorm2d_backward_sums)(NN_DR *dx, NN_DR *dgamma, NN_DR *dbeta,
                                         const NN_DR *dy, const NN_DR *x,
                                         const NN_DR *mean, const NN_DR *rstd,
                                         const NN_DR *gamma, const double *plane_sums,
                                         int n, int c, int hw, int training);
/* The backward in two parts, for a caller that makes dx where it is used
 * (a convolution's dy source, layers.h): nn_batchnorm2d_backward_coefs
 * takes the per-plane sums as nn_batchnorm2d_backward_sums does (not NULL),
 * adds dgamma and dbeta (each may be NULL) and gives coef (3, c): g, a, k
 * of each channel; nn_batchnorm2d_plane_dx then gives a plane (hw) of
 * channel ch: dx = g * (dy - a - (x - mean) * k) with g, a, k =
 * coef[ch], coef[c + ch], coef[2c + ch] and mean the saved one. Together
 * the same bits as nn_batchnorm2d_backward_sums. */
void NN_DN(nn_batchnorm2d_backward_coefs)(NN_DR *coef, NN_DR *dgamma, NN_DR *dbeta,
                                          const NN_DR *rstd, const NN_DR *gamma,
                                          const double *plane_sums, int n, int c, int hw,
                                          int training);
void NN_DN(nn_batchnorm2d_plane_dx)(NN_DR *dx, const NN_DR *dy, const NN_DR *x,
                                    NN_DR mean, NN_DR g, NN_DR a, NN_DR k, int hw);

/* ---- Pooling (no padding) -------------------------------------------------
 * x (n, c, h, w) -> y (n, c, ho, wo), ho = (h - k)/s + 1, wo likewise.
 * Max: argmax (n, c, ho, wo) saves the index within the input plane (the
 * first maximum; a NaN wins, as torch). Backward: dx written (zeros where
 * nothing flows). Global average: y (n, c). */
void NN_DN(nn_maxpool2d_forward)(NN_DR *y, int32_t *argmax, const NN_DR *x, int n, int c,
                                 int h, int w, int k, int s);
void NN_DN(nn_maxpool2d_backward)(NN_DR *dx, const NN_DR *dy, const int32_t *argmax,
                                  int n, int c, int h, int w, int k, int s);
void NN_DN(nn_avgpool2d_forward)(NN_DR *y, const NN_DR *x, int n, int c, int h, int w,
                                 int k, int s);
void NN_DN(nn_avgpool2d_backward)(NN_DR *dx, const NN_DR *dy, int n, int c, int h, int w,
                                  int k, int s);
void NN_DN(nn_global_avgpool_forward)(NN_DR *y, const NN_DR *x, int n, int c, int hw);
void NN_DN(nn_global_avgpool_backward)(NN_DR *dx, const NN_DR *dy, int n, int c, int hw);

/* ---- ResNet "option A" shortcut -------------------------------------------
 * x (n, cin, h, w) -> y (n, cout, ho, wo), ho = (h-1)/s + 1: channel
 * p + j of y is x[:, j, ::s, ::s] for p = (cout - cin)/2, zero elsewhere
 * (He et al.'s identity shortcut with zero-padded channels). */
void NN_DN(nn_shortcut_pad_forward)(NN_DR *y, const NN_DR *x, int n, int cin, int h,
                                    int w, int cout, int s);
void NN_DN(nn_shortcut_pad_backward)(NN_DR *dx, const NN_DR *dy, int n, int cin, int h,
                                     int w, int cout, int s);

/* ---- Causal multi-head self-attention -------------------------------------
 * qkv (b, t, 3c): q, k, v side by side per token (nanoGPT's c_attn output);
 * nh heads of size c/nh; out (b, t, c), heads concatenated. att (b, nh, t, t)
 * saves the softmax probabilities (zero above the diagonal); scores scaled
 * by 1/sqrt(c/nh). work holds nn_attention_workspace(t, c, nh) elements.
 * Backward: dqkv (b, t, 3c) written. */
void NN_DN(nn_attention_forward)(NN_DR *out, NN_DR *att, const NN_DR *qkv, int b, int t,
                                 int c, int nh, NN_DR *work);
void NN_DN(nn_attention_backward)(NN_DR *dqkv, const NN_DR *dout, const NN_DR *qkv,
                                  const NN_DR *att, int b, int t, int c, int nh,
                                  NN_DR *work);

/* ---- GroupNorm ------------------------------------------------------------
 * x, y (n, c, hw); the c channels in g groups of c/g (c % g == 0). Each
 * (example, group) normalised by its mean and biased variance, saved in
 * mean (n, g) and rstd (n, g) = 1/sqrt(var + eps); then y = xhat *
 * gamma[ch] + beta[ch], gamma, beta (c). As torch.nn.GroupNorm.
 * Backward: dx written (NULL skips; must not alias dy); dgamma, dbeta
 * accumulate (NULL skips). */
void NN_DN(nn_groupnorm_forward)(NN_DR *y, NN_DR *mean, NN_DR *rstd, const NN_DR *x,
                                 const NN_DR *gamma, const NN_DR *beta, int n, int c,
                                 int hw, int g, double eps);
void NN_DN(nn_groupnorm_backward)(NN_DR *dx, NN_DR *dgamma, NN_DR *dbeta, const NN_DR *dy,
                                  const NN_DR *x, const NN_DR *mean, const NN_DR *rstd,
                                  const NN_DR *gamma, int n, int c, int hw, int g);

/* ---- Nearest-neighbour upsampling x2 --------------------------------------
 * x (n, c, h, w) -> y (n, c, 2h, 2w), each value repeated over a 2x2 block.
 * Backward: dx (n, c, h, w) written, the sum of each block of dy. */
void NN_DN(nn_upsample2x_forward)(NN_DR *y, const NN_DR *x, int n, int c, int h, int w);
void NN_DN(nn_upsample2x_backward)(NN_DR *dx, const NN_DR *dy, int n, int c, int h,
                                   int w);

/* ---- Channel concatenation ------------------------------------------------
 * a (n, ca, hw), b (n, cb, hw) -> y (n, ca + cb, hw), a's channels first.
 * Backward: da, db written (NULL skips). */
void NN_DN(nn_concat_forward)(NN_DR *y, const NN_DR *a, const NN_DR *b, int n, int ca,
                              int cb, int hw);
void NN_DN(nn_concat_backward)(NN_DR *da, NN_DR *db, const NN_DR *dy, int n, int ca,
                               int cb, int hw);

/* ---- Sinusoidal time embedding --------------------------------------------
 * t (n) integer steps -> y (n, dim), dim even, h = dim/2, f_k =
 * 10000^(-k/h): y[i] = sin(t_i f_0..f_{h-1}), cos(t_i f_0..f_{h-1}). No
 * backward (the input is an integer). */
void NN_DN(nn_time_embed_forward)(NN_DR *y, const int32_t *t, int n, int dim);

/* ---- Mean squared error ---------------------------------------------------
 * pred, target (n): returns mean (pred - target)^2, summed in double.
 * Backward: dpred (n) = 2 (pred - target) * scale (scale = dloss/n for the
 * mean); dpred may equal pred. */
double NN_DN(nn_mse_forward)(const NN_DR *pred, const NN_DR *target, size_t n);
void NN_DN(nn_mse_backward)(NN_DR *dpred, const NN_DR *pred, const NN_DR *target,
                            size_t n, double scale);

/* ---- Per-pixel softmax cross-entropy --------------------------------------
 * logits, probs (n, k, hw): the softmax over the k channels of each pixel;
 * targets (n, hw) in [0, k), or `ignore` for a pixel that does not count.
 * Returns the mean of -log p[target] over the counted pixels (their number
 * in *count; 0 when none). Backward: dlogits (n, k, hw) = (probs - onehot)
 * * scale on counted pixels (scale = dloss / count for the mean), 0 on
 * ignored ones; dlogits may equal probs. */
double NN_DN(nn_pixel_ce_forward)(NN_DR *probs, const NN_DR *logits,
                                  const int32_t *targets, int n, int k, int hw,
                                  int ignore, long *count);
void NN_DN(nn_pixel_ce_backward)(NN_DR *dlogits, const NN_DR *probs,
                                 const int32_t *targets, int n, int k, int hw, int ignore,
                                 double scale);

#undef NN_DR
#undef NN_DN
