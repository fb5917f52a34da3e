"""Bit-level view of fixed-point signals: every width, shift, slice and sign extension is decided here.

A `Sig` is a named vector whose bits hold an integer ``v`` counting steps of ``2**-f`` (two's complement
when ``signed``). `NetList.fit` turns a signal into a Verilog expression of an exact width holding
``wrap(rescale(v, f, f_to))``: bits dropped at the bottom (floor), zeros appended at the bottom, sign or
zero extension at the top, wrap by truncation. It records which bits every expression reads, so that the
bits no expression reads can be listed in one ``unused_*`` sink (Verilator's documented idiom: signals
matching ``*unused*`` are exempt from UNUSEDSIGNAL), which keeps ``verilator --lint-only -Wall`` clean
without waivers.

Sign extension is written with one reference to the source, ``{$signed({src, n'h0}) >>> n}``, not as
``{{n{src[msb]}}, src}``: event-driven simulators (Icarus) pay for every read of a variable, and the two forms
are the same wires to synthesis. A `Ring` is an exact sum of scaled values that is not stored: it is
written out (`NetList.ring`) where it is read, as a sum of terms all of the target width, so that
Verilog's width rules never come into play (every operand of ``+``/``-`` has the width of the result).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Decl", "NetList", "Note", "Ring", "Rom", "Sig", "const", "zeros"]


@dataclass(frozen=True)
class Sig:
    """A vector ``name[offset + width - 1 : offset]`` holding an integer in steps of ``2**-f``."""

    name: str
    width: int
    signed: bool
    f: int
    offset: int = 0

    def with_f(self, f: int) -> Sig:
        """The same bits read at another step (``b * 2**lo`` is ``b`` read with ``f - lo``)."""
        return Sig(self.name, self.width, self.signed, f, self.offset)


@dataclass(frozen=True)
class Ring:
    """``sum(-x if negated else x for negated, x in terms) + const * 2**-f``, exactly, not stored.

    Terms are `Sig` or `Ring` values; each is read at a step at least as fine as its own (scaled up, never
    floored), so the sum is a ring expression: right modulo ``2**W`` when every term is written ``W`` bits
    wide, whatever ``W``."""

    terms: tuple[tuple[bool, Sig | Ring], ...]
    const: int
    f: int

    def with_f(self, f: int) -> Ring:
        """The value times ``2**(self.f - f)`` (as `Sig.with_f`: the same integers read at another step)."""
        d = f - self.f
        return Ring(tuple((neg, x.with_f(x.f + d)) for neg, x in self.terms), self.const, f)


def const(value: int, width: int) -> str:
    """A sized hex literal of ``value`` wrapped into ``width`` bits."""
    return f"{width}'h{value % (1 << width):x}"


def zeros(width: int) -> str:
    return f"{width}'h0"


@dataclass
class Decl:
    """``wire [width-1:0] name; assign name = expr;`` (or ``wire signed``), with a comment."""

    name: str
    width: int
    expr: str
    comment: str
    signed: bool = False
    kind: str = "assign"

    @property
    def range(self) -> str:
        return f"[{self.width - 1}:0]"


@dataclass(frozen=True)
class Note:
    """A comment line among the declarations (an op that needs no variable of its own)."""

    comment: str
    kind: str = "note"


@dataclass
class Rom:
    """A case ROM: ``reg [width-1:0] name`` selected by all bits of ``sel``."""

    name: str
    width: int
    sel: str
    sel_width: int
    entries: list[tuple[str, str]]
    default: str
    comment: str
    kind: str = "rom"

    @property
    def range(self) -> str:
        return f"[{self.width - 1}:0]"


@dataclass
class NetList:
    """Declarations in order plus the bit-usage bookkeeping of every vector they read."""

    items: list = field(default_factory=list)
    _widths: dict[str, int] = field(default_factory=dict)
    _used: dict[str, int] = field(default_factory=dict)

    # -- declaration ---------------------------------------------------------------------------------
    def track(self, name: str, width: int) -> None:
        """Register a vector (port or wire) whose unread bits must be sunk."""
        if name in self._widths:
            raise ValueError(f"duplicate signal name {name!r} in generated netlist")
        self._widths[name] = width
        self._used[name] = 0

    def wire(self, name: str, width: int, signed: bool, f: int, expr: str, comment: str, vsigned=False) -> Sig:
        """Declare and assign a wire; returns its `Sig` (constant zero when ``width <= 0``)."""
        if width <= 0:
            return Sig(name, 0, False, f)
        self.track(name, width)
        self.items.append(Decl(name, width, expr, comment, signed=vsigned))
        return Sig(name, width, signed, f)

    def rom(self, name: str, width: int, f: int, sel: Sig, entries, default: str, comment: str) -> Sig:
        self.track(name, width)
        self.items.append(Rom(name, width, self.ref(sel), sel.width, entries, default, comment))
        return Sig(name, width, False, f)

    # -- reading -------------------------------------------------------------------------------------
    def use(self, sig: Sig, lo: int, hi: int) -> None:
        """Mark bits ``lo..hi`` (relative to the signal) as read."""
        if sig.name in self._used:
            a, b = lo + sig.offset, hi + sig.offset
            self._used[sig.name] |= ((1 << (b - a + 1)) - 1) << a

    def bits(self, sig: Sig, lo: int, hi: int) -> str:
        """``sig[hi:lo]`` (relative indices), written as plainly as possible."""
        self.use(sig, lo, hi)
        a, b = lo + sig.offset, hi + sig.offset
        if a == 0 and b == self._widths.get(sig.name, -1) - 1 and sig.offset == 0:
            return sig.name
        if a == b:
            return f"{sig.name}[{a}]"
        return f"{sig.name}[{b}:{a}]"

    def describe(self, sig: Sig) -> str:
        """``sig`` as a slice (for comments: marks no bit as read)."""
        a, b = sig.offset, sig.offset + sig.width - 1
        if a == 0 and b == self._widths.get(sig.name, -1) - 1:
            return sig.name
        return f"{sig.name}[{a}]" if a == b else f"{sig.name}[{b}:{a}]"

    def ref(self, sig: Sig) -> str:
        """All bits of ``sig`` (width >= 1)."""
        return self.bits(sig, 0, sig.width - 1)

    def msb(self, sig: Sig) -> str:
        return self.bits(sig, sig.width - 1, sig.width - 1)

    def fit(self, sig: Sig, f_to: int, width: int) -> str:
        """Expression of exactly ``width`` bits: ``wrap(rescale(v, sig.f, f_to))`` (floor when dropping)."""
        assert width >= 1
        if sig.width <= 0:
            return zeros(width)
        s = f_to - sig.f  # result bit j is source bit j - s
        n_zero = min(max(s, 0), width)
        parts: list[str] = []
        lo_i = n_zero - s  # first source index read
        hi_i = width - 1 - s  # last source index wanted (may exceed the source)
        n_ext = 0
        src = ""
        if n_zero < width:
            top = min(hi_i, sig.width - 1)
            if lo_i <= top:
                src = self.bits(sig, lo_i, top)
                n_ext = hi_i - top
            else:  # every source bit dropped: only the sign (floor of a tiny value) remains
                n_ext = width - n_zero
        if n_ext > 0 and sig.signed and src:
            # one read of the source (its top bit is the sign); the braces make the shift self-determined, so
            # that it stays arithmetic next to unsigned operands
            return f"{{$signed({{{src}, {zeros(n_zero + n_ext)}}}) >>> {n_ext}}}"
        if n_ext > 0:
            if sig.signed:  # every source bit dropped: only the sign remains
                sign = self.msb(sig)
                parts.append(sign if n_ext == 1 else f"{{{n_ext}{{{sign}}}}}")
            else:
                parts.append(zeros(n_ext))
        if src:
            parts.append(src)
        if n_zero > 0:
            parts.append(zeros(n_zero))
        return parts[0] if len(parts) == 1 else "{" + ", ".join(parts) + "}"

    def alias(self, sig: Sig, f_to: int, width: int, signed: bool) -> Sig | None:
        """``fit(sig, f_to, width)`` as a `Sig` when it is a plain slice of ``sig`` (bits dropped at the bottom
        and/or wrapped at the top, none added): the value needs no variable of its own. None otherwise."""
        lo = sig.f - f_to  # result bit j is source bit j + lo
        if width < 1 or sig.width <= 0 or lo < 0 or lo + width > sig.width:
            return None
        return Sig(sig.name, width, signed, f_to, sig.offset + lo)

    def ring(self, r: Ring, f_to: int, width: int) -> str:
        """``r`` as an expression of exactly ``width`` bits at step ``f_to`` (modulo ``2**width``)."""
        terms: list[tuple[bool, str]] = []
        const_sum = 0

        def walk(x: Sig | Ring, neg: bool, f_at: int) -> None:
            nonlocal const_sum
            if isinstance(x, Ring):
                assert f_at >= x.f, "a ring term is read at a coarser step than its own"
                const_sum += (-x.const if neg else x.const) << (f_at - x.f)
                for n, y in x.terms:
                    walk(y, neg != n, f_at)
            elif x.width > 0:
                assert f_at >= x.f, "a ring term is read at a coarser step than its own"
                terms.append((neg, self.fit(x, f_at, width)))

        walk(r, False, f_to)
        parts = []
        for j, (neg, text) in enumerate(sorted(terms, key=lambda t: t[0])):  # a positive term first
            parts.append(("-" if neg else "") + text if j == 0 else f"{'-' if neg else '+'} {text}")
        c = const_sum % (1 << width)
        if c or not parts:
            parts.append(const(c, width) if not parts else f"+ {const(c, width)}")
        return " ".join(parts)

    def neg(self, sig: Sig, name: str, comment: str) -> Sig:
        """A wire holding ``-v`` exactly (one bit wider, signed)."""
        if sig.width <= 0:
            return sig
        w = sig.width + 1
        return self.wire(name, w, True, sig.f, f"-{self.fit(sig, sig.f, w)}", comment)

    # -- the sink of unread bits ---------------------------------------------------------------------
    def unused_terms(self) -> list[str]:
        """Slices of every tracked vector whose bits no expression reads, in declaration order."""
        terms: list[str] = []
        for name, width in self._widths.items():
            unused = ~self._used[name] & ((1 << width) - 1)
            while unused:
                j = (unused & -unused).bit_length() - 1
                run = unused >> j
                k = j + ((run + 1) & ~run).bit_length() - 2  # last bit of this run of unread bits
                unused &= ~(((1 << (k - j + 1)) - 1) << j)
                if j == 0 and k == width - 1:
                    terms.append(name)
                elif j == k:
                    terms.append(f"{name}[{j}]")
                else:
                    terms.append(f"{name}[{k}:{j}]")
        return terms

    def unused_expr(self) -> str | None:
        """One reduction over every unread bit (for the ``unused_bits`` wire that keeps lint clean), or None."""
        terms = self.unused_terms()
        return "&{1'b0, " + ", ".join(terms) + "}" if terms else None
