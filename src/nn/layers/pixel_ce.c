/*
 * pixel_ce.c - softmax cross-entropy per pixel of an NCHW logits tensor, as
 * torch.nn.functional.cross_entropy(logits, target, ignore_index=ignore):
 * the softmax runs over the k channels of each pixel; the loss is the mean
 * of -log p[target] over the pixels whose target is not `ignore`. The
 * exponentials and sums in double.
 */
#include <math.h>

#include "real.h"
#include "layers.h"

/* One pixel of image i at p: the softmax over the channels (stride hw) into
 * probs; returns -log probs[t] (t < 0: none wanted, 0). */
static double pixel_softmax(real *probs, const real *z, int k, int hw, int t)
{
    double mx = z[0];
    for (int j = 1; j < k; j++)
        if (z[(size_t)j * hw] > mx)
            mx = z[(size_t)j * hw];
    double s = 0;
    for (int j = 0; j < k; j++)
        s += exp((double)z[(size_t)j * hw] - mx);
    double zt = t >= 0 ? (double)z[(size_t)t * hw] - mx : 0;
    for (int j = 0; j < k; j++)
        probs[(size_t)j * hw] = (real)(exp((double)z[(size_t)j * hw] - mx) / s);
    return t >= 0 ? log(s) - zt : 0;
}

/* probs, logits (n, k, hw); targets (n, hw) in [0, k) or ignore. *count
 * gets the pixels counted; returns the mean loss over them (0 if none). */
double NN(nn_pixel_ce_forward)(real *probs, const real *logits, const int32_t *targets,
                               int n, int k, int hw, int ignore, long *count)
{
    double loss = 0;
    long cnt = 0;
    for (int i = 0; i < n; i++)
        for (int p = 0; p < hw; p++) {
            size_t o = (size_t)i * k * hw + p;
            int t = targets[(size_t)i * hw + p];
            int use = t != ignore;
            loss += pixel_softmax(probs + o, logits + o, k, hw, use ? t : -1);
            cnt += use;
        }
    *count = cnt;
    return cnt ? loss / (double)cnt : 0;
}

/* dlogits (n, k, hw) = (probs - onehot) * scale on counted pixels, 0 on
 * ignored ones; scale = dloss / count for the mean. dlogits may equal
 * probs. */
void NN(nn_pixel_ce_backward)(real *dlogits, const real *probs, const int32_t *targets,
                              int n, int k, int hw, int ignore, double scale)
{
    for (int i = 0; i < n; i++)
        for (int p = 0; p < hw; p++) {
            int t = targets[(size_t)i * hw + p];
            for (int j = 0; j < k; j++) {
                size_t o = ((size_t)i * k + j) * hw + p;
                double g =
                    t == ignore ? 0 : ((double)probs[o] - (j == t ? 1.0 : 0.0)) * scale;
                dlogits[o] = (real)g;
            }
        }
}
