/* replay: runs a fuzz target once on every input of its corpus, without libFuzzer. `make test`
 * links each target with this main and the ASan + UBSan build (build/san) to replay the
 * committed corpora (tests/fuzz/corpus) as a regression check, so the test run needs no third
 * build of the library; `make fuzz` (clang's libFuzzer) is what looks for new inputs. Each input
 * is named on stderr before it runs, so a crash or a sanitizer report ends with its name; leaks
 * are reported by LeakSanitizer when the process exits. Usage: TARGET DIR|FILE ... */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            uint8_t *more = realloc(buf, cap *= 2);
            if (!more) free(buf);
            buf = more;
        }
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(buf);
        return -1;
    }
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
    /* a copy of exactly n bytes, so that ASan sees a read past the input's end */
    uint8_t *in = malloc(n ? n : 1);
    if (!in) {
        free(buf);
        return -1;
    }
    memcpy(in, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(in, n);
    free(in);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir, in name order. The count replayed, or -1. */
static long replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    long done = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            char **more = realloc(names, (cap = cap ? 2 * cap : 256) * sizeof(*names));
            if (!more) goto fail;
            names = more;
        }
        if (!(names[n] = strdup(e->d_name))) goto fail;
        n++;
    }
    qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n && done >= 0; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        done = replay_file(path) == 0 ? done + 1 : -1;
    }
    goto out;
fail:
    done = -1;
out:
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    closedir(d);
    return done;
}

int main(int argc, char **argv)
{
    long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        long got = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)
                       ? replay_dir(argv[i])
                       : (replay_file(argv[i]) == 0 ? 1 : -1);
        if (got < 0) return 1;
        total += got;
    }
    printf("replayed %ld inputs\n", total);
    return 0;
}
