"""Eval's figures as a markdown report."""
from ..style.references import PICTURES
from .measures import PARAGRAPH_LINES


def _f(value, digits=3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _spread(f: dict, key: str, digits: int = 3) -> str:
    low_high = f.get(key + "_range")
    if f[key] is None or low_high is None or low_high[0] == low_high[1]:
        return _f(f[key], digits)
    return f"{_f(f[key], digits)} ({_f(low_high[0], digits)}–{_f(low_high[1], digits)})"


def _over(value, human):
    return value / human if value is not None and human else None


def report(f: dict, rows: list[dict], sheet: str) -> str:
    ratio, own_ratio = _over(f["cer_model"], f["cer_real"]), _over(f["cer_own"], f["cer_real"])
    seeds = ", ".join(map(str, f["seeds"]))
    lines = [
        f"# Evaluation: {f['name']}", "",
        f"All on IAM-OnDB `testset_v` (writers never seen in training). Figures that depend on sampling are "
        f"means over seeds {seeds}, with their range in brackets. Legibility is read from each written line's "
        f"path data at the shipped defaults, drawn with the default pen, as a user gets it; "
        f"{f['versions']} version{'s' if f['versions'] != 1 else ''} of each word, the reader keeping the one it "
        f"reads best; writing step {f['decoding']}.", "",
        "| measure | value |", "| --- | --- |",
        f"| validation NLL, nats per point (strokes + pen) | {_f(f['valid_stroke'] + f['valid_pen'])} |",
        f"| validation NLL, nats per line | {_f(f['valid_line_nll'], 1)} |",
        f"| how much the strokes read the style: their NLL with another writer's pictures, less with their own's, nats per point | {_f(f['valid_style_gain'])} |",
        f"| tesseract CER, real people's lines | {_f(f['cer_real'])} |",
        f"| tesseract CER, model's lines (same texts, writer's style from a scan-like picture) | "
        f"{_spread(f, 'cer_model')} |",
        f"| model CER / human CER (goal ≤ 0.6) | {_f(ratio, 2)} |",
        f"| tesseract CER, model's own hand (no style) | {_spread(f, 'cer_own')} |",
        f"| model's own hand CER / human CER | {_f(own_ratio, 2)} |",
        f"| recogniser CER (IAM-trained, capitals and digits), real people's lines | {_f(f['htr_real'])} |",
        f"| recogniser CER, model's lines in the writer's style; over human | {_spread(f, 'htr_model')}; "
        f"{_f(_over(f['htr_model'], f['htr_real']), 2)} |",
        f"| recogniser CER, model's own hand; over human | {_spread(f, 'htr_own')}; "
        f"{_f(_over(f['htr_own'], f['htr_real']), 2)} |",
        f"| complete lines in the model's own hand | {_spread(f, 'complete_own', 1)} / {f['lines']} |",
        f"| complete lines (every word ended at its last letter; width 0.5–2× the real line's: nothing "
        f"skipped or repeated wholesale; goal ≥ 98) | {_spread(f, 'complete', 1)} / {f['lines']} |",
        f"| the same 0.5–2× test between two real lines of one writer | {_f(f['whole_real'], 2)} |",
        f"| within 0.75–1.33× the real line's width: model's lines; two real lines of one writer | "
        f"{_spread(f, 'width_within', 1)} / {f['lines']}; {_f(f['width_within_real'], 2)} |",
        f"| lines with a word run on to the length guard | {_spread(f, 'ran_to_guard', 1)} |",
        f"| narrower than 0.75× the real line (stopped early or skipped) | {_spread(f, 'too_short', 1)} |",
        f"| wider than 1.33× the real line (repeated or ran on) | {_spread(f, 'too_long', 1)} |",
        f"| word count off by more than one: real lines / model | {f['words_off_real']:.0f} / "
        f"{_spread(f, 'words_off_model', 1)} |",
        f"| ink height, model / real line (median) | {_spread(f, 'height_ratio', 2)} |",
        f"| word gap over ink height, model / the writer's own (median over {f['gap_lines']:.0f} lines) | "
        f"{_spread(f, 'gap_ratio', 2)} |",
        f"| lines whose word gaps are within ±25 % of the writer's | {_spread(f, 'gap_within', 2)} |",
        f"| size spread across a paragraph's lines (std / mean of x-height, {f['paragraphs']} paragraphs of "
        f"{PARAGRAPH_LINES}): real / model | {_f(f['size_spread_real'], 3)} / {_f(f['size_spread_model'], 3)} |",
        f"| style retrieval top-1 among {f['writers']} writers (the mean over {f['style_writers']} writers in groups "
        f"of {f['writers']}), by the independent judge (an encoder trained "
        f"apart, on real lines), against a third line of each writer's: their real line / styled from another "
        f"line / no style "
        f"(chance {1 / max(1, f['writers']):.2f}) | {_f(f['retrieval_real'], 2)} / {_spread(f, 'retrieval_styled', 2)} / "
        f"{_spread(f, 'retrieval_plain', 2)} |",
        f"| style retrieval from the writer's pen strokes | "
        f"{_spread(f, 'retrieval_drawn', 2)} |",
        f"| slant correlation with the reference writer: styled / no style | "
        f"{_spread(f, 'slant_r_styled', 2)} / {_spread(f, 'slant_r_plain', 2)} |",
        f"| letter width correlation with the reference writer: styled / no style | "
        f"{_spread(f, 'width_r_styled', 2)} / {_spread(f, 'width_r_plain', 2)} |",
        f"| size ratio (x-height over ink height) correlation with the reference writer: styled / no style | "
        f"{_spread(f, 'size_r_styled', 2)} / {_spread(f, 'size_r_plain', 2)} |",
        f"| joined (letters per pen-down stroke) correlation with the reference writer: styled / no style | "
        f"{_spread(f, 'joined_r_styled', 2)} / {_spread(f, 'joined_r_plain', 2)} |",
        f"| word gap over ink height correlation with the reference writer: styled / no style | "
        f"{_spread(f, 'gap_r_styled', 2)} / {_spread(f, 'gap_r_plain', 2)} |",
        f"| seconds for a 44-character line (alone, this machine) | {_f(f['seconds_per_line'], 2)} |",
        f"| a {f['long_line'][0]}-character line ends by itself | {'yes' if f['long_line'][1] else 'no'} |",
        *([] if not f.get("accents") else [
            f"| French and German sentences with accents ({f['accents']['accent_lines']} lines, own hand; tesseract "
            f"fra/deu): CER written with the marks / written plain, both against the accented text | "
            f"{f['accents']['cer_marked']:.3f} / {f['accents']['cer_unmarked']:.3f} |",
            f"| English validation lines of the same lengths, own hand (tesseract eng); the accented CER over it "
            f"(goal ≤ 1.2) | {f['accents']['cer_english']:.3f}; "
            f"{f['accents']['cer_marked'] / max(f['accents']['cer_english'], 1e-6):.2f} |",
            f"| marks drawn over their own letter (of {f['accents']['marks']}) | "
            f"{f['accents']['marks_placed']:.2f} |"]),
        *([] if not f.get("figures") else [
            "", f"Digits and capitals ({f['figures']['figure_lines']} lines of each, own hand, seeds {seeds}; sheet: figures.png), CER by "
            "tesseract / by the recogniser, beside English validation lines of the same lengths:", "",
            "| lines | tesseract | recogniser |", "| --- | --- | --- |",
            *[f"| {kind} | {_f(f['figures'][kind + '_tesseract'])} | {_f(f['figures'][kind + '_htr'])} |"
              for kind in ("digits", "capitals", "english")]]),
        "", f"Style from the pictures people have ({f['writers']} writers; the style the model's encoder reads "
        "from each picture against that of clean renderings of another line by each writer; top-1 retrieval, and "
        "pictures refused):", "",
        "| picture | retrieval | refused |", "| --- | --- | --- |",
        *[f"| {kind} | {f['picture_' + kind][0]:.2f} | {f['picture_' + kind][1]} |" for kind in PICTURES],
        "", f"![samples]({sheet})", "",
        f"## Lines read back (seed {f['seeds'][0]})", "",
        "| text | tesseract on the real line | tesseract on the model's | width ratio |",
        "| --- | --- | --- | --- |",
    ]
    for r in rows:
        clean = lambda s: (s or "").replace("|", "\\|")
        lines.append(f"| {clean(r['text'])} | {clean(r['ocr_real'])} | {clean(r['ocr_model'])} | "
                     f"{r['width_ratio']:.2f} |")
    return "\n".join(lines) + "\n"
