/* input: the byte rules for everything a request brings, applied once by the pipeline before
 * any handler sees the request, so that no handler can forget them. libmicrohttpd hands values
 * over as C strings, so a NUL ("%00") would silently cut a value ("victim@ex.test%00@evil"
 * becoming "victim@ex.test"); input compares the lengths it received instead. Refused, 400:
 *   framing   two different Content-Length values, or Transfer-Encoding with Content-Length
 *   path      a control byte once decoded (/static/app.css%00.png)
 *   query     a C0 control, DEL or C1 control in a key or value, or invalid UTF-8
 *   header    a C0 control other than tab, or DEL (other bytes ≥ 0x80 pass: obs-text)
 *   cookie    a C0 control or DEL
 *   form      a C0 control, DEL or C1 control, or invalid UTF-8; every current field is one
 *             line (input.c's table says which fields may hold tab and newlines: none yet)
 *   body      (not a form: JSON, XML) invalid UTF-8, a control other than tab/CR/LF, and in
 *             JSON a \u escape of one
 * The answer names the field: a page with the message and a link back to the form, or under
 * /api/ {"error":"bad_input","part":PART,"field":NAME} ("bad_framing" for framing). */
#ifndef DAOID_INPUT_H
#define DAOID_INPUT_H

struct req;

enum input_part {
    INPUT_OK,
    INPUT_FRAMING,
    INPUT_PATH,
    INPUT_QUERY,
    INPUT_HEADER,
    INPUT_COOKIE,
    INPUT_FORM,
    INPUT_BODY,
};

struct input_fault {
    enum input_part part;
    const char *name; /* the field, parameter, header or cookie (cleaned for showing), or "" */
};

/* What is known when the headers are in: framing, path, query, headers, cookies. */
enum input_part input_check_head(struct req *r, struct input_fault *f);
/* The form fields, or the raw body. */
enum input_part input_check_body(struct req *r, struct input_fault *f);
/* 1 when the form field name may hold tab and newlines (a multi-line field). */
int input_multiline(const char *field);
/* The 400 answer for f; back is the page to go back to (a GET path), shown as a link. */
void input_refuse(struct req *r, const struct input_fault *f, const char *back);

#endif
