"""Worst cases of the one Markdown renderer: the slowest render (or refusal) per input shape.

    python -m bench.markdown              # every shape at 10k, 25k and 50k characters
    python -m bench.markdown --sizes 50000 --shape brackets

Each shape is a pattern that makes Python-Markdown (or bleach) worse than linear, or an
ordinary post for comparison. ``render_markdown`` either renders it or refuses it
(``TooComplex``): at once when its structure is too deep, else when the render process passes
the time limit. Prints the wall time of each call as a member's request would see it.
"""
import argparse
import time

SHAPES = {
    # the attacker's review
    "brackets": lambda n: "[" * (n // 2) + "x" + "]" * (n // 2),
    "quotes": lambda n: "> " * (n // 2),
    "entities": lambda n: "&amp;" * (n // 5),
    "open links": lambda n: "[" * (n // 5) + "](x)" * (n // 5),
    # found since
    "angle links": lambda n: "[x](<" * (n // 5),
    "image openers": lambda n: "![](" * (n // 4),
    "images nested": lambda n: "![" * (n // 3) + "x" + "]" * (n // 3),
    "autolink openers": lambda n: "<http://" * (n // 8),
    "open anchors": lambda n: '<a href="' * (n // 9),
    "mixed openers": lambda n: "[*_`" * (n // 4),
    "emphasis": lambda n: "*a " * (n // 6) + "b" + " a*" * (n // 6),
    "backtick runs": lambda n: "".join("`" * (i % 50 + 1) + "a" for i in range(n // 26)),
    "setext": lambda n: "a\n=\n" * (n // 4),
    "deep list": lambda n: "".join("  " * i + "- x\n" for i in range(min(n // 200, 1000))),
    "list markers": lambda n: "- " * (n // 2),
    "quoted lists": lambda n: "> - " * (n // 4),
    "fences": lambda n: "```\n" * (n // 4),
    "reference links": lambda n: "".join(f"[{i}]: /u{i}\n" for i in range(n // 20))
    + "".join(f"[{i}]" for i in range(n // 20)),
    "html nesting": lambda n: "<b><i>" * (n // 14) + "x",
    "table columns": lambda n: "|x" * (n // 6) + "\n" + "|-" * (n // 6) + "\n" + "|y" * (n // 6),
    # what members write
    "ordinary post": lambda n: ("Some **bold** and _italic_ text with a [link](https://example.org/a) "
                                "and `code`, https://bare.example/x too.\n\n- a list\n- of items\n\n"
                                "> a quote\n\n```python\nprint('hi')\n```\n\n") * (n // 190),
}


def measure(text: str) -> tuple[float, str]:
    """Wall time of ``render_markdown`` (the render processes, as a request sees it)."""
    from forum.markup import TooComplex, render_markdown

    started = time.perf_counter()
    try:
        render_markdown(text, "forum.example")
        outcome = "rendered"
    except TooComplex as refused:
        outcome = "refused: " + refused.message.split(": ", 1)[1].split(". ")[0]
    return time.perf_counter() - started, outcome


def processor_time(text: str) -> float:
    """The processor time the same render takes, run here in this process (the number the
    limit counts: wall time on a loaded machine says more about the machine)."""
    from forum import markup

    started = time.process_time()
    try:
        markup.check_structure(text)
        markup._render_within(text, "forum.example", markup.CPU_LIMIT)
    except (markup.TooComplex, markup.OverTime, RecursionError):
        pass
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,25000,50000")
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES))
    parser.add_argument("--repeat", type=int, default=3, help="runs per shape and size (worst kept)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    measure("warm up the render processes")
    print("| shape | characters | worst wall time | worst processor time | outcome |")
    print("| --- | ---: | ---: | ---: | --- |")
    worst_wall = worst_cpu = 0.0
    for name in args.shape or SHAPES:
        for size in sizes:
            text = SHAPES[name](size)[:size]
            elapsed, outcome = max(measure(text) for _ in range(args.repeat))
            cpu = max(processor_time(text) for _ in range(args.repeat))
            worst_wall, worst_cpu = max(worst_wall, elapsed), max(worst_cpu, cpu)
            print(f"| {name} | {len(text):,} | {elapsed * 1000:,.0f} ms | {cpu * 1000:,.0f} ms "
                  f"| {outcome} |", flush=True)
    print(f"\nworst wall time {worst_wall * 1000:,.0f} ms, worst processor time {worst_cpu * 1000:,.0f} ms")


if __name__ == "__main__":
    main()
