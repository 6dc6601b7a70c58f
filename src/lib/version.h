/* version: the release's version, in one place (daoid --version, the log line at start, and
 * the User-Agent of outbound HTTP calls). */
#ifndef DAOID_VERSION_H
#define DAOID_VERSION_H

#define DAOID_VERSION "0.1.0"

#endif
