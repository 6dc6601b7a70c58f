/* Unit tests of tmpl: escaping, raw output, sections, partials, parents and blocks, malformed
 * input, messages. */
#include "arena.h"
#include "i18n.h"
#include "tmpl.h"

#include "testlib.h"

static struct arena *a;
static struct tmpl_ctx *ctx;

static void setup(void)
{
    tl_setup_with(TL_I18N, NULL);
    a = arena_new();
    ctx = tmpl_ctx_new(a, NULL);
}

static void teardown(void)
{
    arena_free(a);
    tl_teardown();
}

TestSuite(tmpl, .init = setup, .fini = teardown);

static const char *html(const char *src)
{
    size_t len = 12345;
    char *out = tmpl_render_str(a, src, ctx, i18n_cat("en"), TMPL_HTML, &len);
    if (out) cr_assert_eq(len, strlen(out));
    return out;
}

static const char *text(const char *src)
{
    return tmpl_render_str(a, src, ctx, i18n_cat("en"), TMPL_TEXT, NULL);
}

#define render_eq(src, want)                                                                       \
    do {                                                                                           \
        const char *got_ = html(src);                                                              \
        cr_assert_not_null(got_, "%s did not render", src);                                        \
        cr_assert_str_eq(got_, want);                                                              \
    } while (0)

Test(tmpl, escapes_all_six)
{
    tmpl_set(ctx, "v", "a&b<c>d\"e'f`g");
    render_eq("[{{v}}]", "[a&amp;b&lt;c&gt;d&quot;e&#39;f&#96;g]");
    tmpl_set(ctx, "v", "<script>alert('x')</script>");
    render_eq("{{v}}", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");

    struct abuf b;
    abuf_init(&b, a, 4);
    tmpl_escape(&b, "x<y>z&", 4); /* only the first four bytes */
    cr_assert_str_eq(abuf_str(&b), "x&lt;y&gt;");
}

Test(tmpl, raw_triple_mustache)
{
    tmpl_set(ctx, "v", "<b>bold & \"raw\"</b>");
    render_eq("{{{v}}}", "<b>bold & \"raw\"</b>");
    render_eq("{{{v}}}|{{v}}",
              "<b>bold & \"raw\"</b>|&lt;b&gt;bold &amp; &quot;raw&quot;&lt;/b&gt;");
}

Test(tmpl, plain_values_and_missing)
{
    tmpl_set(ctx, "name", "Ann");
    render_eq("Hi {{name}}, {{missing}}!", "Hi Ann, !");
    render_eq("no tags at all", "no tags at all");
    render_eq("", "");
    render_eq("a{{! a comment with <html> }}b", "ab");
    tmpl_set(ctx, "name", "Bea");
    render_eq("{{name}}", "Bea");
    tmpl_setf(ctx, "n", "%d-%s", 42, "x");
    render_eq("{{n}}", "42-x");
}

Test(tmpl, section_over_list)
{
    const char *names[] = {"a", "<b>", "c"};
    for (int i = 0; i < 3; i++) tmpl_set(tmpl_list_add(ctx, "items"), "name", names[i]);
    tmpl_set(ctx, "sep", ";");
    render_eq("{{#items}}[{{name}}]{{sep}}{{/items}}", "[a];[&lt;b&gt;];[c];");
    /* a list is not a value */
    render_eq("<{{items}}>", "<>");
    cr_assert_null(tmpl_get(ctx, "items"));
}

Test(tmpl, section_over_value)
{
    tmpl_set(ctx, "flag", "1");
    tmpl_set(ctx, "empty", "");
    tmpl_set_bool(ctx, "off", 0);
    tmpl_set(ctx, "who", "Cy");
    render_eq("{{#flag}}yes {{who}}{{/flag}}", "yes Cy");
    render_eq("{{#empty}}no{{/empty}}", "");
    render_eq("{{#off}}no{{/off}}", "");
    render_eq("{{#missing}}no{{/missing}}", "");
    render_eq("x{{#flag}}{{#empty}}no{{/empty}}y{{/flag}}z", "xyz");
}

Test(tmpl, inverted_section)
{
    tmpl_set(ctx, "flag", "1");
    tmpl_set(ctx, "empty", "");
    tmpl_set_bool(ctx, "off", 0);
    render_eq("{{^flag}}no{{/flag}}", "");
    render_eq("{{^empty}}yes{{/empty}}", "yes");
    render_eq("{{^off}}yes{{/off}}", "yes");
    render_eq("{{^missing}}yes{{/missing}}", "yes");
    render_eq("{{^items}}none{{/items}}", "none");
    tmpl_list_add(ctx, "items");
    render_eq("{{^items}}none{{/items}}", "");
}

Test(tmpl, nested_lists_and_outward_lookup)
{
    tmpl_set(ctx, "site", "S");
    struct tmpl_ctx *g1 = tmpl_list_add(ctx, "groups");
    tmpl_set(g1, "name", "g1");
    tmpl_set(tmpl_list_add(g1, "members"), "m", "x");
    tmpl_set(tmpl_list_add(g1, "members"), "m", "y");
    struct tmpl_ctx *g2 = tmpl_list_add(ctx, "groups");
    tmpl_set(g2, "name", "g2");
    tmpl_set(tmpl_list_add(g2, "members"), "m", "z");
    struct tmpl_ctx *g3 = tmpl_list_add(ctx, "groups");
    tmpl_set(g3, "name", "g3");
    render_eq("{{#groups}}{{name}}:{{#members}}{{m}}@{{name}}/{{site}},{{/members}}"
              "{{^members}}-{{/members}};{{/groups}}",
              "g1:x@g1/S,y@g1/S,;g2:z@g2/S,;g3:-;");
    cr_assert_str_eq(tmpl_get(g1, "site"), "S");
    cr_assert_str_eq(tmpl_get(g1, "name"), "g1");
    cr_assert_null(tmpl_get(ctx, "name"));
}

Test(tmpl, same_name_nested_sections)
{
    tmpl_set(ctx, "a", "1");
    render_eq("{{#a}}<{{#a}}in{{/a}}>{{/a}}after", "<in>after");
}

Test(tmpl, partials)
{
    const char *p = html("x{{>_missing_partial}}y");
    cr_assert_null(p);
    /* an existing partial renders with the current context */
    const char *foot = html("{{>_foot}}");
    cr_assert_not_null(foot);
    cr_assert_gt(strlen(foot), 0);
    cr_assert_null(
        tmpl_render(a, "web/templates/no-such.html", ctx, i18n_cat("en"), TMPL_HTML, NULL));
}

Test(tmpl, blocks_render_their_default_without_a_parent)
{
    tmpl_set(ctx, "v", "<v>");
    render_eq("a{{$b}}x{{v}}{{/b}}c", "ax&lt;v&gt;c");
    render_eq("{{$b}}{{/b}}", "");
}

/* src renders, and its output holds each of the NULL-ended want and none of the NULL-ended bad. */
static void renders_with(const char *src, const char *const *want, const char *const *bad)
{
    const char *out = html(src);
    cr_assert_not_null(out, "%s did not render", src);
    for (; want && *want; want++) cr_assert(strstr(out, *want), "no %s in %s", *want, out);
    for (; bad && *bad; bad++) cr_assert_null(strstr(out, *bad), "%s in %s", *bad, out);
}

Test(tmpl, parent_overrides_blocks_escaped_in_the_callers_context)
{
    tmpl_set(ctx, "link", "https://x/?a=1&b=2");
    tmpl_set(ctx, "who", "<Eve>");
    renders_with("{{<_mail_button}}ignored {{$label}}Go {{who}}{{/label}}{{/_mail_button}}",
                 (const char *[]){">Go &lt;Eve&gt;</a>", "href=\"https://x/?a=1&amp;b=2\"", NULL},
                 (const char *[]){"ignored", NULL});
    /* without the override the block's default (empty) stands */
    renders_with("{{<_mail_button}}{{/_mail_button}}",
                 (const char *[]){"border-radius:4px;\"></a>", NULL}, NULL);
}

Test(tmpl, parent_in_text_mode_uses_the_txt_layout)
{
    tmpl_set(ctx, "site_name", "S&S");
    const char *out = text("{{<_mail}}{{$greeting}}Hi{{/greeting}} {{$rows}}R{{/rows}}{{/_mail}}");
    cr_assert_not_null(out);
    cr_assert_str_eq(out, "Hi\n\nR\n\nS&S\n");
}

Test(tmpl, nested_parents_outermost_override_wins)
{
    /* _email_hinted overrides _email's aria and hint blocks; the caller's id reaches both */
    renders_with("{{<_email_hinted}}{{$id}}wx{{/id}}{{$hint_text}}H{{/hint_text}}"
                 "{{$required}}{{/required}}{{/_email_hinted}}",
                 (const char *[]){"<input id=\"wx\"", "aria-describedby=\"wx-hint\"",
                                  "<p class=\"hint\" id=\"wx-hint\">H</p>", NULL},
                 (const char *[]){" required", NULL});
    /* an override of a block _email_hinted itself overrides: the caller's wins */
    renders_with("{{<_email_hinted}}{{$hint}}[mine]{{/hint}}{{/_email_hinted}}",
                 (const char *[]){"[mine]", NULL}, (const char *[]){"class=\"hint\"", NULL});
}

Test(tmpl, a_parent_inside_an_override_leaves_the_later_overrides_alone)
{
    /* the greeting's parent gives three blocks while _mail's own overrides are in force */
    renders_with("{{<_mail}}{{$greeting}}{{<_mail_button}}{{$label}}L{{/label}}{{$x}}{{/x}}{{$y}}"
                 "{{/y}}{{/_mail_button}}{{/greeting}}{{$rows}}<R>{{/rows}}"
                 "{{$subject}}S{{/subject}}{{/_mail}}",
                 (const char *[]){"<title>S</title>", ">L</a>", "<R>", NULL}, NULL);
}

Test(tmpl, parents_and_blocks_malformed_or_too_deep_refused)
{
    cr_assert_null(html("{{<_mail_button}}{{$label}}x{{/_mail_button}}"));
    cr_assert_null(html("{{<_mail_button}}never closed"));
    cr_assert_null(html("{{$b}}never closed"));
    cr_assert_null(html("{{<_missing_partial}}{{/_missing_partial}}"));
    /* parents nested in overrides beyond the depth limit */
    char src[2048] = "", tail[1024] = "";
    for (int i = 0; i < 20; i++) {
        strcat(src, "{{<_mail_button}}{{$label}}");
        strcat(tail, "{{/label}}{{/_mail_button}}");
    }
    strcat(src, tail);
    cr_assert_null(html(src));
    /* more overrides than the stack holds */
    char many[2048] = "{{<_mail_button}}";
    for (int i = 0; i < 40; i++) sprintf(many + strlen(many), "{{$b%d}}{{/b%d}}", i, i);
    strcat(many, "{{/_mail_button}}");
    cr_assert_null(html(many));
}

Test(tmpl, malformed_templates_refused)
{
    cr_assert_null(html("{{#open}}never closed"));
    cr_assert_null(html("{{^open}}never closed"));
    cr_assert_null(html("{{#a}}{{/b}}"));
    cr_assert_null(html("text {{name"));
    cr_assert_null(html("text {{{raw}}"));
}

Test(tmpl, catalog_message_with_placeholders)
{
    tmpl_set(ctx, "user", "<Eve & \"co\">");
    render_eq("{{t:console.hello}}", "Hello, &lt;Eve &amp; &quot;co&quot;&gt;");
    tmpl_set(ctx, "site_name", "Site");
    tmpl_set(ctx, "email", "e@example.com");
    render_eq("{{t:mail.verify.body_text}}",
              "Thanks for signing up to Site. Open the link below to verify your email address "
              "e@example.com:");
    /* a missing variable leaves nothing; a missing key shows the key */
    tmpl_set(ctx, "user", NULL);
    render_eq("{{t:console.hello}}", "Hello, ");
    render_eq("{{t:no.such.key}}", "no.such.key");
    /* the other catalog */
    tmpl_set(ctx, "user", "Li");
    const char *zh =
        tmpl_render_str(a, "{{t:console.hello}}", ctx, i18n_cat("zh-CN"), TMPL_HTML, NULL);
    cr_assert_not_null(zh);
    cr_assert_str_eq(zh, "\xe6\x82\xa8\xe5\xa5\xbd\xef\xbc\x8c"
                         "Li");
}

Test(tmpl, text_mode_does_not_escape)
{
    tmpl_set(ctx, "v", "a&b <c> \"d\" 'e' `f`");
    tmpl_set(ctx, "user", "<Eve>");
    const char *out = text("{{v}}|{{{v}}}|{{t:console.hello}}");
    cr_assert_not_null(out);
    cr_assert_str_eq(out, "a&b <c> \"d\" 'e' `f`|a&b <c> \"d\" 'e' `f`|Hello, <Eve>");
}
