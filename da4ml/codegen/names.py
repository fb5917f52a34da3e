"""The one rule for names we write into HDL (the top module / entity, and anything else a user names): usable
unchanged in SystemVerilog-2017 and VHDL-2008 (so one project works in either flavor and in mixed-language
tools), and clashing with nothing the generator itself declares.

A name is a letter followed by letters, digits and single '_' (no '__', no trailing '_': VHDL basic
identifiers), at most 64 characters, and, compared case-insensitively (VHDL identifiers are), none of: a
SystemVerilog-2017 keyword (IEEE 1800-2017 Annex B), a VHDL-2008 reserved word (IEEE 1076-2008 15.10), a
library or package the generated VHDL reads, or a name the generated files declare (ports, clock, internal
signals and instances)."""

from __future__ import annotations

import re

__all__ = ["GENERATED_NAMES", "GENERATED_PATTERNS", "SV_KEYWORDS", "VHDL_KEYWORDS", "check_identifier"]

SV_KEYWORDS = frozenset(
    """
    accept_on alias always always_comb always_ff always_latch and assert assign assume automatic before begin
    bind bins binsof bit break buf bufif0 bufif1 byte case casex casez cell chandle checker class clocking cmos
    config const constraint context continue cover covergroup coverpoint cross deassign default defparam design
    disable dist do edge else end endcase endchecker endclass endclocking endconfig endfunction endgenerate
    endgroup endinterface endmodule endpackage endprimitive endprogram endproperty endspecify endsequence
    endtable endtask enum event eventually expect export extends extern final first_match for force foreach
    forever fork forkjoin function generate genvar global highz0 highz1 if iff ifnone ignore_bins illegal_bins
    implements implies import incdir include initial inout input inside instance int integer interconnect
    interface intersect join join_any join_none large let liblist library local localparam logic longint
    macromodule matches medium modport module nand negedge nettype new nexttime nmos nor noshowcancelled not
    notif0 notif1 null or output package packed parameter pmos posedge primitive priority program property
    protected pull0 pull1 pulldown pullup pulsestyle_ondetect pulsestyle_onevent pure rand randc randcase
    randsequence rcmos real realtime ref reg reject_on release repeat restrict return rnmos rpmos rtran
    rtranif0 rtranif1 s_always s_eventually s_nexttime s_until s_until_with scalared sequence shortint
    shortreal showcancelled signed small soft solve specify specparam static string strong strong0 strong1
    struct super supply0 supply1 sync_accept_on sync_reject_on table tagged task this throughout time
    timeprecision timeunit tran tranif0 tranif1 tri tri0 tri1 triand trior trireg type typedef union unique
    unique0 unsigned until until_with untyped use uwire var vectored virtual void wait wait_order wand weak
    weak0 weak1 while wildcard wire with within wor xnor xor
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

VHDL_KEYWORDS = frozenset(
    """
    abs access after alias all and architecture array assert assume assume_guarantee attribute begin block
    body buffer bus case component configuration constant context cover default disconnect downto else elsif
    end entity exit fairness file for force function generate generic group guarded if impure in inertial
    inout is label library linkage literal loop map mod nand new next nor not null of on open or others out
    package parameter port postponed procedure process property protected pure range record register reject
    release rem report restrict restrict_guarantee return rol ror select sequence severity shared signal sla
    sll sra srl strong subtype then to transport type unaffected units until use variable vmode vprop vunit
    wait when while with xnor xor
    """.split()  # noqa: SIM905
)

#: names the generated files declare or read (ports, clock, libraries / packages, fixed signals)
GENERATED_NAMES = frozenset(
    """
    clk model_inp model_out unused_bits std ieee work std_logic_1164 numeric_std textio env math_real
    fixed_pkg float_pkg dut go batch_inp batch_out inp_mem out_mem slot
    """.split()  # noqa: SIM905
)

#: families of names the generator numbers (op wires v12 and their v12_x / v12_na / v12_nb / v12_neg,
#: negated outputs out3_neg, register layers inp_r0 / out_r1, stage buses and instances s3_in / s3_out / stage3)
GENERATED_PATTERNS = (r"v\d+(_(x|na|nb|neg))?", r"out\d+_neg", r"inp_r\d+", r"out_r\d+", r"s\d+_(in|out)", r"stage\d+")

_SHAPE = re.compile(r"[A-Za-z](?:_?[A-Za-z0-9])*")
_GENERATED = re.compile("|".join(f"(?:{p})" for p in GENERATED_PATTERNS))
MAX_LENGTH = 64


def check_identifier(name: object, what: str = "prj_name") -> str:
    """``name`` if it is usable as an HDL name (see the module doc), else a ValueError saying why and how."""
    if not isinstance(name, str) or len(name) > MAX_LENGTH or not _SHAPE.fullmatch(name):
        raise ValueError(
            f"{what} {name!r} is not a valid HDL name: use a letter followed by letters, digits and single '_' "
            f"(no '__', not ending in '_', at most {MAX_LENGTH} characters), e.g. 'my_model'"
        )
    low = name.lower()
    if low in SV_KEYWORDS or low in VHDL_KEYWORDS:
        lang = "SystemVerilog-2017" if low in SV_KEYWORDS else "VHDL-2008"
        raise ValueError(
            f"{what} {name!r} is a {lang} keyword (compared case-insensitively, as VHDL does): choose another "
            f"name, e.g. '{low}_model'"
        )
    if low in GENERATED_NAMES or _GENERATED.fullmatch(low):
        raise ValueError(
            f"{what} {name!r} clashes with a name the generated design declares or reads (ports clk / model_inp / "
            f"model_out, libraries std / ieee / work, internal signals v<N>, s<N>_in, stage<N>, ...): choose "
            f"another name, e.g. '{low}_model'"
        )
    return name
