"""clib.py - libgolu called straight through ctypes on numpy arrays, without
the golu package: the tests' independent route to the C results.

    c = CLib(path)
    c.forward(name, x, alpha=None, beta=None, gamma=None) -> y     (same dtype)
    c.backward(name, x, dy, ...) -> dx
    c.param_grad(name, x, dy, ...) -> [3 doubles]
    c.prelu_forward(x, slope, channels, inner) / c.prelu_backward(...) -> (dx, dslope)
x: float32, float64 or float16 arrays, or uint16 arrays holding bfloat16 bits
(pass dtype="bf16").
"""

import ctypes

import numpy as np


class _Act(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("alpha", ctypes.c_double), ("beta", ctypes.c_double),
                ("gamma", ctypes.c_double)]


_CODES = {"float32": 0, "float64": 1, "bf16": 2, "float16": 3}


class CLib:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.lib.golu_status_str.restype = ctypes.c_char_p

    def _act(self, name, alpha, beta, gamma):
        a = _Act()
        st = self.lib.golu_act_from_name(name.encode(), ctypes.byref(a))
        assert st == 0, name
        if alpha is not None:
            a.alpha = alpha
        if beta is not None:
            a.beta = beta
        if gamma is not None:
            a.gamma = gamma
        return a

    @staticmethod
    def _code(x, dtype):
        return _CODES[dtype or x.dtype.name]

    @staticmethod
    def _p(a):
        return ctypes.c_void_p(a.ctypes.data)

    def forward(self, name, x, alpha=None, beta=None, gamma=None, dtype=None):
        x = np.ascontiguousarray(x)
        y = np.empty_like(x)
        a = self._act(name, alpha, beta, gamma)
        st = self.lib.golu_forward(None, ctypes.byref(a), self._code(x, dtype), self._p(x), self._p(y),
                                   ctypes.c_size_t(x.size))
        assert st == 0, st
        return y

    def backward(self, name, x, dy, alpha=None, beta=None, gamma=None, dtype=None):
        x, dy = np.ascontiguousarray(x), np.ascontiguousarray(dy)
        dx = np.empty_like(x)
        a = self._act(name, alpha, beta, gamma)
        st = self.lib.golu_backward(None, ctypes.byref(a), self._code(x, dtype), self._p(x), self._p(dy),
                                    self._p(dx), ctypes.c_size_t(x.size))
        assert st == 0, st
        return dx

    def param_grad(self, name, x, dy, alpha=None, beta=None, gamma=None, dtype=None):
        x, dy = np.ascontiguousarray(x), np.ascontiguousarray(dy)
        out = (ctypes.c_double * 3)()
        a = self._act(name, alpha, beta, gamma)
        st = self.lib.golu_param_grad(None, ctypes.byref(a), self._code(x, dtype), self._p(x), self._p(dy),
                                      ctypes.c_size_t(x.size), out)
        assert st == 0, st
        return list(out)

    def prelu_forward(self, x, slope, channels, inner, dtype=None):
        x, slope = np.ascontiguousarray(x), np.ascontiguousarray(slope)
        y = np.empty_like(x)
        st = self.lib.golu_prelu_forward(None, self._code(x, dtype), self._p(x), self._p(y),
                                         ctypes.c_size_t(x.size), self._p(slope), ctypes.c_size_t(channels),
                                         ctypes.c_size_t(inner))
        assert st == 0, st
        return y

    def prelu_backward(self, x, dy, slope, channels, inner, dtype=None):
        x, dy, slope = (np.ascontiguousarray(a) for a in (x, dy, slope))
        dx = np.empty_like(x)
        ds = np.empty_like(slope)
        st = self.lib.golu_prelu_backward(None, self._code(x, dtype), self._p(x), self._p(dy), self._p(dx),
                                          ctypes.c_size_t(x.size), self._p(slope), ctypes.c_size_t(channels),
                                          ctypes.c_size_t(inner), self._p(ds))
        assert st == 0, st
        return dx, ds

    def status_str(self, st):
        return self.lib.golu_status_str(st).decode()
