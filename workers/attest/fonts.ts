/**
 * The fonts the PDF report embeds: DejaVu Sans (regular, bold) and DejaVu Sans Mono from the
 * `dejavu-fonts-ttf` package (Bitstream Vera licence with DejaVu's public-domain changes; see the
 * README). They cover Latin, Greek, Cyrillic and the symbols findings use (→ ≥ ✓ ✗), so names and
 * messages print as written. Each runtime reads the bytes its own way — Node from the installed
 * package, the Worker from modules bundled in — and hands them over through the dependencies.
 */
export interface ReportFonts {
  regular: Uint8Array;
  bold: Uint8Array;
  mono: Uint8Array;
}

/** Loads the report fonts (once; callers may cache). */
export type ReportFontSource = () => Promise<ReportFonts>;

/** The files in the `dejavu-fonts-ttf` package, relative to its root. */
export const REPORT_FONT_FILES = {
  regular: 'ttf/DejaVuSans.ttf',
  bold: 'ttf/DejaVuSans-Bold.ttf',
  mono: 'ttf/DejaVuSansMono.ttf',
} as const satisfies Record<keyof ReportFonts, string>;
