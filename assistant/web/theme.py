"""The chat's Gradio theme: the default one with text colours that read (issue 12). Gradio's own
help text under a field (1.91:1 on white), the primary button (white on orange-500, 2.80:1), the
selected tab and the footer links were below WCAG's 4.5:1; these settings lift them in both schemes.
Fonts stay local (no font service is called)."""

from __future__ import annotations

import gradio as gr


def build_theme() -> gr.themes.Base:
    return gr.themes.Default().set(
        block_info_text_color="*neutral_600",
        block_info_text_color_dark="*neutral_300",
        body_text_color_subdued="*neutral_600",
        body_text_color_subdued_dark="*neutral_300",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_dark="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_background_fill_hover_dark="*primary_800",
        button_primary_text_color="white",
        button_primary_text_color_dark="white",
        color_accent="*primary_700",
    )
