/* qr_svg: a QR code (libqrencode) drawn as an inline SVG element. Only SVG presentation
 * attributes are used (fill=, shape-rendering=), never style attributes, so the page's CSP
 * (no inline styles) holds. */
#ifndef DAOID_QR_SVG_H
#define DAOID_QR_SVG_H

struct arena;

/* An <svg> element showing text as a QR code (error correction M, 4-module quiet zone),
 * size px square, with label as its accessible name (escaped here). Returns the markup in a,
 * or NULL when text cannot be encoded (empty, or too long for a QR code). */
char *qr_svg(struct arena *a, const char *text, int px, const char *label);

#endif
