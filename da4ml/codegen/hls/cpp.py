"""C++ spellings of fixed-point values for Vitis/Vivado HLS (``ap_fixed`` / ``ap_ufixed``), decided in Python.

A DAIS type ``(k, i, f)`` of width ``w = k + i + f >= 1`` is ``ap_fixed<w, i + 1>`` (signed) or
``ap_ufixed<w, i>`` (unsigned): ``ap_fixed``'s integer width counts the sign bit, its fraction is ``w - I = f``.
With the default modes (``AP_TRN``, ``AP_WRAP``) an assignment floors to the target's step and wraps into its
width: exactly DAIS's ``wrap(rescale(v, f_from, f_to), T)``. Sums, differences, products, negations and
bitwise operations of ``ap_fixed`` values are exact (their result types grow), and ``x.lshift<s>()`` reads
the same bits at ``2**s`` times the value (no bit moves). ``ap_fixed`` template parameters are C++ ints and
its widths are bounded (``AP_INT_MAX_W``, 1024 by default): ``check_type`` refuses what it cannot hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "AP_MAX_W",
    "MAX_EXPONENT",
    "CppValue",
    "check_cpp_identifier",
    "check_type",
    "ctype",
    "fixed_literal",
    "int_literal",
    "shifted",
    "uniform_kif",
]

AP_MAX_W = 1024  # ap_int/ap_fixed's default AP_INT_MAX_W (Vitis and Vivado HLS): the widest type it compiles
# |integer width| and |fraction| of any emitted type: ap_fixed computes I1 + I2, W1 + W2, F1 - F2 ... in C++ int
# template arithmetic, so exponents near 2**31 overflow at compile time; 2**24 leaves room for every sum.
MAX_EXPONENT = 2**24

_CPP_KEYWORDS = frozenset(
    """
    alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t char32_t class
    compl concept const consteval constexpr constinit const_cast continue co_await co_return co_yield decltype
    default delete do double dynamic_cast else enum explicit export extern false float for friend goto if inline
    int long mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected public
    register reinterpret_cast requires return short signed sizeof static static_assert static_cast struct switch
    template this thread_local throw true try typedef typeid typename union unsigned using virtual void volatile
    wchar_t while xor xor_eq main
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


def check_cpp_identifier(name: str, what: str = "name") -> str:
    """``name`` if it is a usable C++ function name (not a keyword, not reserved), else a ValueError."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,127}", name):
        raise ValueError(
            f"{what} {name!r} is not a valid C++ function name: use a letter followed by letters, digits or '_' "
            "(at most 128 characters), e.g. 'my_model'"
        )
    if name in _CPP_KEYWORDS or "__" in name or name.startswith(("ap_", "AP_")):
        raise ValueError(
            f"{what} {name!r} is a C++ keyword, contains '__' (reserved) or starts with ap_/AP_ (the ap_types "
            "namespace); choose another name"
        )
    return name


def check_type(kif: tuple[int, int, int], where: str) -> None:
    """Refuse a type ``ap_fixed`` cannot spell exactly (width above AP_MAX_W, exponents beyond MAX_EXPONENT)."""
    k, i, f = kif
    w = k + i + f
    if w > AP_MAX_W:
        raise ValueError(
            f"{where}: type (k={k}, i={i}, f={f}) is {w} bits wide; ap_fixed holds at most {AP_MAX_W} bits "
            "(AP_INT_MAX_W): HLS cannot express it exactly; narrow the types"
        )
    if abs(i) > MAX_EXPONENT or abs(f) > MAX_EXPONENT:
        raise ValueError(
            f"{where}: type (k={k}, i={i}, f={f}) has an exponent beyond +-{MAX_EXPONENT}; ap_fixed's template "
            "arithmetic (C++ int) cannot express it exactly: rescale the program (out_shifts/inp_shifts) instead"
        )


def ctype(kif: tuple[int, int, int]) -> str:
    """``ap_fixed<w, i + 1>`` or ``ap_ufixed<w, i>`` of a type of width >= 1."""
    k, i, f = kif
    w = k + i + f
    assert w >= 1, f"type {kif} has no bits"
    return f"ap_fixed<{w}, {i + 1}>" if k else f"ap_ufixed<{w}, {i}>"


def int_literal(v: int) -> str:
    """A C++ ``long long`` literal of ``v`` (|v| < 2**63; the most negative value spelled as an expression)."""
    v = int(v)
    if v == -(1 << 63):
        return "(-9223372036854775807LL - 1)"
    return f"{v}LL"


def fixed_literal(v: int, f: int) -> str:
    """An exact ``ap_fixed`` constant of value ``v * 2**-f`` (an integer-valued ap_fixed read at step f)."""
    v = int(v)
    if v == 0:
        return "ap_ufixed<1, 1>(0)"
    w = (v.bit_length() + 1) if v < 0 else v.bit_length()
    base = f"ap_fixed<{w}, {w}>" if v < 0 else f"ap_ufixed<{w}, {w}>"
    return shifted(f"{base}({int_literal(v)})", -f)


def shifted(expr: str, s: int) -> str:
    """``expr`` read at ``2**s`` times its value (the same bits)."""
    return expr if s == 0 else f"{expr}.lshift<{s}>()"


def uniform_kif(kifs) -> tuple[int, int, int] | None:
    """The smallest single type holding every value of every type in ``kifs`` (what one C++ array of
    ``inp_t`` / ``out_t`` needs); None when none of them has bits."""
    live = [(int(k), int(i), int(f)) for k, i, f in kifs if int(k) + int(i) + int(f) > 0]
    if not live:
        return None
    k = max(kf[0] for kf in live)
    i = max(kf[1] for kf in live)
    f = max(kf[2] for kf in live)
    return (k, i, f)


@dataclass(frozen=True)
class CppValue:
    """The C++ variable of one DAIS value: ``name`` holds type ``(k, i - view, f + view)`` and ``ref`` reads it
    as the DAIS value (``name.lshift<view>()``). A value of width <= 0 (the constant 0) has no variable."""

    name: str
    k: int
    i: int
    f: int
    view: int = 0

    @property
    def width(self) -> int:
        return max(self.k + self.i + self.f, 0)

    @property
    def zero(self) -> bool:
        return self.width == 0

    @property
    def var_f(self) -> int:
        """The step of the C++ variable (``f + view``)."""
        return self.f + self.view

    @property
    def var_kif(self) -> tuple[int, int, int]:
        return (self.k, self.i - self.view, self.f + self.view)

    @property
    def ref(self) -> str:
        """The DAIS value (``b * 2**s`` is ``scaled(s)``)."""
        return shifted(self.name, self.view)

    def scaled(self, s: int, where: str) -> str:
        """The value times ``2**s`` (the same bits); ``where`` names the use if that type is refused."""
        check_type((self.k, self.i + s, self.f - s), where)
        return shifted(self.name, self.view + s)

    @property
    def msb(self) -> str:
        """A bool expression: the value's top bit (signed: negative). Bit tests, not comparisons with 0: an
        ap_fixed compared with an int is first aligned with ap_fixed<32, 32>, which fails for fine steps."""
        return f"{self.name}[{self.width - 1}]"

    @property
    def raw(self) -> str:
        """The value's bits as an ``ap_uint`` (for bit reductions and comparisons)."""
        return f"ap_uint<{self.width}>({self.name}.range())"
