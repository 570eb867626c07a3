#!/usr/bin/python3
"""Generates the constants of the float64 kernels (src/kernels/f64_golu.c and
src/kernels/f64_peers.c) as C99 hex floats, from 300-bit mpmath values.

    /usr/bin/python3 scripts/gen_f64_tables.py > /tmp/f64_tables.txt

and paste the output: the table into src/kernels/f64_exp_tab.h (shared by
f64_golu.c and the CUDA kernels), the F64_*LN2_256* defines into
src/kernels/f64.h, the rest into src/kernels/f64_peers.h. Every constant is the double nearest
to the exact value; a double-double pair (hi, lo) has hi = RN(v), lo = RN(v - hi)
(relative error <= 2^-106). The exceptions are F64_LN2_256_HI and _MID: ln(2)/256
cut into pieces of 30 significant bits, so that k * HI and k * MID are exact
for |k| < 2^23 (the Cody-Waite reduction of f64_exp_dd()).
"""
import mpmath as mp
from mpmath.libmp import libmpf

mp.mp.prec = 300


def rn(v):
    """The double nearest to v (round to nearest even)."""
    return libmpf.to_float(mp.mpf(v)._mpf_, rnd=libmpf.round_nearest)


def dd(v):
    hi = rn(v)
    lo = rn(v - mp.mpf(hi))
    return hi, lo


def c(v):
    return float(v).hex()


def main():
    print("#define GOLU_F64_EXP_TAB_INIT %s\\" % (" " * 50))
    print("    {%s\\" % (" " * 74))
    for j in range(256):
        hi, lo = dd(mp.power(2, mp.mpf(j) / 256))
        print("        %-70s\\" % ("%s, %s," % (c(hi), c(lo))))
    print("    }")

    ln2_256 = mp.log(2) / 256
    # leading bit of ln2/256 is 2^-9: HI holds bits 2^-9..2^-38 (30 bits),
    # MID the next 30 bits, LO the rest rounded
    hi = mp.floor(ln2_256 * mp.power(2, 38)) / mp.power(2, 38)
    mid = mp.floor((ln2_256 - hi) * mp.power(2, 68)) / mp.power(2, 68)
    lo = rn(ln2_256 - hi - mid)
    print("#define F64_INV_LN2_256 %s" % c(rn(256 / mp.log(2))))
    print("#define F64_LN2_256_HI %s" % c(rn(hi)))
    print("#define F64_LN2_256_MID %s" % c(rn(mid)))
    print("#define F64_LN2_256_LO %s" % c(lo))

    print("/* f64_peers.c */")
    k1 = 2 * mp.sqrt(2 / mp.pi)  # GELU tanh: y = 2u = x (K1 + K3 x^2)
    for name, v in [("F64_RSQRT2", 1 / mp.sqrt(2)),
                    ("F64_RSQRT2PI", 1 / mp.sqrt(2 * mp.pi)),
                    ("F64_2_SQRTPI", 2 / mp.sqrt(mp.pi)),
                    ("F64_GELU_K1", k1),
                    ("F64_GELU_K3", k1 * mp.mpf("0.044715"))]:
        h, l = dd(v)
        print("#define %s_HI %s" % (name, c(h)))
        print("#define %s_LO %s" % (name, c(l)))


if __name__ == "__main__":
    main()
