/* h_social: GitHub and WeChat entry points. Until a provider is configured they explain that
 * the method is not available on this site. */
#include "handlers.h"
#include "http.h"
#include "page.h"

void h_auth_github(struct req *r)
{
    page_notice(r, 404, "social.off.title", "social.off.github", "/signup", "signup.title");
}

void h_auth_wechat(struct req *r)
{
    page_notice(r, 404, "social.off.title", "social.off.wechat", "/signup", "signup.title");
}
