/*
 * tui.core._fastread: the per-file part of a cold scan, in C.
 *
 * read() does exactly what scan.read_facts and headers.extract_header do in Python for a file that
 * reads without trouble: open it (never following a symlink), read its head (or the whole body of
 * a C source), find the first SPDX-License-Identifier line in the first 15 lines, any further tags,
 * and every MODULE_LICENSE("...") of a body. Anything unusual (a symlink or a special file, an
 * error) returns None and the Python code handles the file, so every message stays in one place.
 *
 * For a scan's reader processes (index._read_job): parse_git() turns a piece of `git ls-files -s`
 * output into columns, and read_columns() reads a batch of files into one reused buffer and writes
 * the outcome of each file whose kind of outcome is already known (Context.shared, keyed as
 * share_key() says: by a table made in Python from what the rules declare they read, see key_spec)
 * straight into the chunk's columns; the others go back to Python.
 *
 * The module is optional: tui/core/scan.py works without it (tests compare the two readers on
 * generated heads, files and trees, and on a whole kernel tree). The GIL is released while a file
 * is read and searched.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_NOCTTY
#define O_NOCTTY 0
#endif
#ifndef O_NONBLOCK
#define O_NONBLOCK 0
#endif

static const char TAG[] = "SPDX-License-Identifier:";
#define TAG_LEN ((Py_ssize_t)(sizeof(TAG) - 1))
static const char MODULE[] = "MODULE_LICENSE";
#define MODULE_LEN ((Py_ssize_t)(sizeof(MODULE) - 1))
#define BODY_PROBE ((Py_ssize_t)65536)

/* Set from Python (scan.py passes its own constants), so the two implementations cannot drift. */
static Py_ssize_t head_bytes = 4096;
static Py_ssize_t max_head_bytes = 1 << 18;
static Py_ssize_t max_body_bytes = 16 << 20;
static Py_ssize_t head_search = 4096;
static Py_ssize_t max_lines = 15;

#if defined(__SSE2__)
#include <emmintrin.h>
static const char *search_sse2(const char *h, size_t len, const char *needle, size_t nlen);

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_SEARCH 1
/* Whether this CPU has AVX2 (worked out once, when the module is loaded). */
static int avx2 = 0;

/* search_sse2 32 positions at a time, on a CPU with AVX2 (the same result; ~1.5x the speed). */
__attribute__((target("avx2"))) static const char *
search_avx2(const char *h, size_t len, const char *needle, size_t nlen)
{
    const __m256i first = _mm256_set1_epi8(needle[0]), last = _mm256_set1_epi8(needle[nlen - 1]);
    size_t i = 0;
    for (; i + 32 + nlen - 1 <= len; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(h + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(h + i + nlen - 1));
        unsigned mask = (unsigned)_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, first),
                                                                        _mm256_cmpeq_epi8(b, last)));
        while (mask) {
            unsigned k = (unsigned)__builtin_ctz(mask);
            if (memcmp(h + i + k + 1, needle + 1, nlen - 2) == 0)
                return h + i + k;
            mask &= mask - 1;
        }
    }
    return search_sse2(h + i, len - i, needle, nlen);
}
#endif

/* memmem for a needle of 2+ bytes: 16 positions at a time are kept only where both the needle's first
 * and last bytes match, then compared whole ("SIMD-friendly" substring search). On the kernel's C
 * sources (680 MB searched for MODULE_LICENSE) this takes half the time of glibc's memmem. */
static const char *
search(const char *h, size_t len, const char *needle, size_t nlen)
{
    if (nlen < 2 || len < nlen)
        return memmem(h, len, needle, nlen);
#ifdef HAVE_AVX2_SEARCH
    if (avx2)
        return search_avx2(h, len, needle, nlen);
#endif
    return search_sse2(h, len, needle, nlen);
}

static const char *
search_sse2(const char *h, size_t len, const char *needle, size_t nlen)
{
    if (nlen < 2 || len < nlen)
        return memmem(h, len, needle, nlen);
    const __m128i first = _mm_set1_epi8(needle[0]), last = _mm_set1_epi8(needle[nlen - 1]);
    size_t i = 0;
    for (; i + 16 + nlen - 1 <= len; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(h + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(h + i + nlen - 1));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
        while (mask) {
            unsigned k = (unsigned)__builtin_ctz(mask);
            if (memcmp(h + i + k + 1, needle + 1, nlen - 2) == 0)
                return h + i + k;
            mask &= mask - 1;
        }
    }
    const char *rest = memmem(h + i, len - i, needle, nlen);
    return rest;
}
#else
#define search(h, len, needle, nlen) ((const char *)memmem((h), (len), (needle), (nlen)))
#endif

/* bytes.find(needle, start, end) with Python's clamping. */
static Py_ssize_t
find(const char *h, Py_ssize_t len, const char *needle, Py_ssize_t nlen, Py_ssize_t start, Py_ssize_t end)
{
    if (end > len)
        end = len;
    if (start < 0)
        start = 0;
    if (end - start < nlen)
        return -1;
    const char *hit = search(h + start, (size_t)(end - start), needle, (size_t)nlen);
    return hit ? (Py_ssize_t)(hit - h) : -1;
}

static Py_ssize_t
find_byte(const char *h, Py_ssize_t len, char c, Py_ssize_t start, Py_ssize_t end)
{
    if (end > len)
        end = len;
    if (start < 0)
        start = 0;
    if (end <= start)
        return -1;
    const char *hit = memchr(h + start, c, (size_t)(end - start));
    return hit ? (Py_ssize_t)(hit - h) : -1;
}

static Py_ssize_t
count_newlines(const char *h, Py_ssize_t len, Py_ssize_t start, Py_ssize_t end)
{
    Py_ssize_t n = 0;
    if (end > len)
        end = len;
    while (start < end) {
        const char *hit = memchr(h + start, '\n', (size_t)(end - start));
        if (!hit)
            break;
        n++;
        start = (hit - h) + 1;
    }
    return n;
}

#define MAX_MORE 64

typedef struct {
    int flags; /* 1: shebang, 2: binary, 4: crlf */
    Py_ssize_t start, end, number;
    Py_ssize_t more[MAX_MORE];
    int n_more;
    int overflow; /* more tags than MAX_MORE: left to the Python reader */
} scan_result;

/* headers.extract_header, step by step. */
static void
scan_head(const char *h, Py_ssize_t len, scan_result *r)
{
    r->flags = 0;
    r->start = -1;
    r->n_more = 0;
    r->overflow = 0;
    if (len >= 2 && h[0] == '#' && h[1] == '!')
        r->flags |= 1;
    if (find_byte(h, len, '\0', 0, 1024) >= 0)
        r->flags |= 2;
    Py_ssize_t first_nl = find_byte(h, len, '\n', 0, 1024);
    if (first_nl > 0 && h[first_nl - 1] == '\r')
        r->flags |= 4;
    /* Only a tag that starts before the end of line 15 counts (a tag holds no newline): searching no
     * further finds what extract_header finds, which searches 4 KiB and then drops later lines. */
    Py_ssize_t limit = len, from = 0;
    for (Py_ssize_t seen = 1; seen <= max_lines; seen++) {
        Py_ssize_t nl = find_byte(h, len, '\n', from, len);
        if (nl < 0)
            break;  /* fewer lines: all of the head */
        if (seen == max_lines)
            limit = nl;
        from = nl + 1;
    }
    Py_ssize_t pos = find(h, len, TAG, TAG_LEN, 0, limit);
    if (pos < 0)
        return;
    Py_ssize_t number = count_newlines(h, len, 0, pos) + 1;
    if (number > max_lines)
        return;
    Py_ssize_t start = pos;
    while (start > 0 && h[start - 1] != '\n')
        start--;
    Py_ssize_t end = find_byte(h, len, '\n', pos, len);
    if (end < 0)
        end = len;
    r->start = start;
    r->end = end;
    r->number = number;
    Py_ssize_t nxt = find(h, len, TAG, TAG_LEN, end, end + head_search < limit ? end + head_search : limit);
    Py_ssize_t line = number, counted_to = end;
    while (nxt >= 0) {
        line += count_newlines(h, len, counted_to, nxt);
        counted_to = nxt;
        if (line > max_lines)
            break;
        if (r->n_more == MAX_MORE) {
            r->overflow = 1;
            break;
        }
        r->more[r->n_more++] = line;
        nxt = find(h, len, TAG, TAG_LEN, nxt + TAG_LEN, nxt + head_search < limit ? nxt + head_search : limit);
    }
}

typedef struct {
    Py_ssize_t offset, start, len;
} module_match;

typedef struct {
    module_match *items;
    Py_ssize_t n, cap;
    int failed;
} module_list;

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* scan._MODULE_LICENSE_RE at *at*: MODULE_LICENSE\s*\(\s*"([^"\n]*)"\s*\) */
static int
match_module(const char *h, Py_ssize_t len, Py_ssize_t at, Py_ssize_t *start, Py_ssize_t *n)
{
    Py_ssize_t p = at + MODULE_LEN;
    while (p < len && is_space(h[p]))
        p++;
    if (p >= len || h[p] != '(')
        return 0;
    p++;
    while (p < len && is_space(h[p]))
        p++;
    if (p >= len || h[p] != '"')
        return 0;
    Py_ssize_t s = ++p;
    while (p < len && h[p] != '"' && h[p] != '\n')
        p++;
    if (p >= len || h[p] != '"')
        return 0;
    *start = s;
    *n = p - s;
    p++;
    while (p < len && is_space(h[p]))
        p++;
    return p < len && h[p] == ')';
}

/* Every MODULE_LICENSE("...") of a body, in order (scan._module_licenses). */
static void
find_modules(const char *h, Py_ssize_t len, module_list *out)
{
    Py_ssize_t from = 0;
    for (;;) {
        Py_ssize_t hit = find(h, len, MODULE, MODULE_LEN, from, len);
        if (hit < 0)
            return;
        from = hit + 1;
        Py_ssize_t start, n;
        if (!match_module(h, len, hit, &start, &n))
            continue;
        if (out->n == out->cap) {
            Py_ssize_t cap = out->cap ? out->cap * 2 : 4;
            module_match *items = realloc(out->items, (size_t)cap * sizeof(module_match));
            if (items == NULL) {
                out->failed = 1;
                return;
            }
            out->items = items;
            out->cap = cap;
        }
        out->items[out->n].offset = hit;
        out->items[out->n].start = start;
        out->items[out->n].len = n;
        out->n++;
    }
}

/* ((offset, string), ...) with the string decoded as scan._module_licenses does. */
static PyObject *
modules_tuple(const char *h, module_list *list)
{
    PyObject *result = PyTuple_New(list->n);
    if (result == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < list->n; i++) {
        module_match *m = &list->items[i];
        PyObject *item = Py_BuildValue("(nN)", m->offset, PyUnicode_DecodeUTF8(h + m->start, m->len, "replace"));
        if (item == NULL) {
            Py_DECREF(result);
            return NULL;
        }
        PyTuple_SET_ITEM(result, i, item);
    }
    return result;
}

static int
ends_with(const char *s, Py_ssize_t len, const char *suffix)
{
    Py_ssize_t n = (Py_ssize_t)strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, (size_t)n) == 0;
}

/* A buffer reused from file to file, and what reading one file into it found. */
typedef struct {
    char *buf;
    Py_ssize_t cap, got;
    scan_result r;
    module_list modules;
    int eof;       /* the last read reached the end of the file */
    Py_ssize_t scanned; /* the bytes read for the tag (got may go on, for a notice candidate's head) */
    int candidate; /* worth matching for a licence notice (read_columns: its head is handed over) */
    char *low;     /* notice_candidate's lower-case copy of the leading region */
    Py_ssize_t low_cap;
} reading;

static void
reading_free(reading *f)
{
    free(f->buf);
    free(f->modules.items);
    free(f->low);
}

/* Make room for *want* bytes (the GIL need not be held). */
static int
reserve(reading *f, Py_ssize_t want)
{
    if (want <= f->cap)
        return 0;
    Py_ssize_t cap = f->cap ? f->cap : 16384;
    while (cap < want)
        cap *= 2;
    char *grown = realloc(f->buf, (size_t)cap);
    if (grown == NULL)
        return -1;
    f->buf = grown;
    f->cap = cap;
    return 0;
}

/* Read one file, *name* relative to *dirfd*, into f->buf and search it: 0 done, 1 left to the Python
 * reader (a symlink, a special file, an error, too many tags), -1 out of memory (exception set). A C
 * source (*body*) is read whole, anything else up to its 15th line (scan.read_facts). */
static int notice_candidate(reading *f, const char *buf, Py_ssize_t got, int tagged);
static Py_ssize_t leading_region(const char *buf, Py_ssize_t n);
static Py_ssize_t notice_bytes[2];

/* The words index_stats gives for each index entry. */
#define INDEX_STAT_WORDS 10

static int edited_since(int fd, const uint32_t *w);

/* ---- leading directories: git takes a file below a symlink (or below no directory) for deleted ---- */

typedef struct {
    char ok[PATH_MAX + 1];   /* the last directory found real, its leading ones too */
    size_t ok_len;
    char buf[PATH_MAX + 1];
} dir_checker;

/* Whether a directory on the way to the file *path* (of *len* bytes, relative to *dirfd*; path[0 .. start) is
 * taken as it is: the tree's top and a slash) is not a real directory (gone, or a symlink). Called for paths in
 * sorted order, it lstats each directory once: not those of the last one found real. */
static int
leading_gone(dir_checker *c, int dirfd, const char *path, size_t len, size_t start)
{
    size_t dir_len = len;
    while (dir_len > start && path[dir_len - 1] != '/')
        dir_len--;
    if (dir_len <= start)
        return 0;  /* (a file at the top) */
    dir_len--;  /* path[0 .. dir_len): its directory */
    if (dir_len > PATH_MAX)
        return 1;
    size_t common = 0;  /* how much of it, by whole components, is the last real directory's */
    if (c->ok_len) {
        size_t limit = dir_len < c->ok_len ? dir_len : c->ok_len, k = 0;
        while (k < limit && path[k] == c->ok[k])
            k++;
        if (k == limit && (k == dir_len || path[k] == '/') && (k == c->ok_len || c->ok[k] == '/')) {
            common = k;  /* (one is the other, or below it) */
        } else {
            while (k > 0 && path[--k] != '/')
                ;
            common = k;  /* (the last slash both have before they differ; 0: none) */
        }
    }
    for (size_t i = common >= start ? common + 1 : start; i <= dir_len; i++) {
        if (i != dir_len && path[i] != '/')
            continue;
        if (i <= start)
            continue;
        struct stat st;
        memcpy(c->buf, path, i);
        c->buf[i] = 0;
        if (fstatat(dirfd, c->buf, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) {
            c->ok_len = 0;
            return 1;
        }
    }
    memcpy(c->ok, path, dir_len);
    c->ok_len = dir_len;
    return 0;
}


#ifdef __APPLE__
#define st_ctim st_ctimespec
#define st_mtim st_mtimespec
#endif

/* *check*: the file's index stat data (index_stats), compared with the open file's: *edited* is set when git
 * would find the file edited since (or it could not be opened). */
static int
read_into(int dirfd, const char *name, int body, int trusted, int notices, reading *f, const uint32_t *check,
          int *edited)
{
    int fd = -1, outcome = 0;
    struct stat st;
    Py_ssize_t want = head_bytes;
    f->got = 0;
    f->eof = 0;
    f->candidate = 0;
    f->modules.n = 0;
    f->modules.failed = 0;
    Py_BEGIN_ALLOW_THREADS
    if (!trusted && (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)))
        outcome = 1;
    if (outcome == 0) {
        fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            outcome = 1;
    }
    if (check != NULL)
        *edited = fd < 0 || edited_since(fd, check);
    /* A C source is read whole (scan.read_facts reads min(size, 16 MiB) + 1 bytes at once): most fit
     * in a first read of 64 KiB, which ends short at the end of the file; only a longer one is sized
     * with fstat and read on. */
    int sized = 0;
    if (body)
        want = BODY_PROBE < max_body_bytes + 1 ? BODY_PROBE : max_body_bytes + 1;
    while (outcome == 0) {
        if (reserve(f, want) < 0) {
            outcome = -1;
            break;
        }
        Py_ssize_t asked = want - f->got;
        ssize_t n = read(fd, f->buf + f->got, (size_t)asked);
        if (n < 0) {
            outcome = 1;
            break;
        }
        f->got += n;
        if (n < asked)
            f->eof = 1;
        if (body && !sized && n > 0 && f->got == want) {
            sized = 1;
            if (fstat(fd, &st) != 0) {
                outcome = 1;
                break;
            }
            Py_ssize_t whole = (st.st_size < max_body_bytes ? (Py_ssize_t)st.st_size : max_body_bytes) + 1;
            if (whole > want) {
                want = whole;
                continue;
            }
        }
        /* A head that filled its first read but holds fewer than 15 lines reads on (scan.read_facts). */
        if (!body && n > 0 && f->got >= head_bytes && f->got < max_head_bytes &&
            count_newlines(f->buf, f->got, 0, f->got) < max_lines) {
            want = f->got + (max_head_bytes - f->got < head_bytes * 4 ? max_head_bytes - f->got : head_bytes * 4);
            continue;
        }
        scan_head(f->buf, f->got, &f->r);
        if (body && !(f->r.flags & 2))
            find_modules(f->buf, f->got, &f->modules);
        if (f->r.overflow)
            outcome = 1;
        else if (f->modules.failed)
            outcome = -1;
        break;
    }
    /* A licence-notice candidate (notices.candidates): its head of notice_bytes[0] (HEAD_BYTES) is what the
     * matcher reads, read on here where the first read stopped short of it (not for a binary file). */
    f->scanned = f->got;
    if (outcome == 0 && notices && !(f->r.flags & 2)) {
        Py_ssize_t head = notice_bytes[0];
        /* An untagged file whose leading comment runs past the bytes read is tested on its first HEAD_BYTES
         * (notices.candidates.head_to_test): a long comment may hold the licence words further down. */
        int longer = f->r.start < 0 && !f->eof && f->got < head && leading_region(f->buf, f->got) == f->got;
        f->candidate = longer || notice_candidate(f, f->buf, f->got, f->r.start >= 0);
        while (f->candidate && !f->eof && f->got < head) {
            if (reserve(f, head) < 0) {
                outcome = -1;
                break;
            }
            Py_ssize_t asked = head - f->got;
            ssize_t n = read(fd, f->buf + f->got, (size_t)asked);
            if (n < 0) {
                f->candidate = 0;  /* the Python reader reads it again */
                break;
            }
            f->got += n;
            if (n < asked)
                f->eof = 1;
        }
        if (longer && f->candidate)
            f->candidate = notice_candidate(f, f->buf, f->got, 0);
    }
    if (fd >= 0)
        close(fd);
    Py_END_ALLOW_THREADS
    if (outcome < 0)
        PyErr_NoMemory();
    return outcome;
}

/* What read() returns for a file read into *f*: (data, tag line or None, line, flags, more, modules). */
static PyObject *
raw_tuple(reading *f)
{
    const char *h = f->buf;
    scan_result *r = &f->r;
    PyObject *data = PyBytes_FromStringAndSize(h, f->scanned);
    PyObject *found = data ? modules_tuple(h, &f->modules) : NULL;
    PyObject *line = r->start >= 0 ? PyBytes_FromStringAndSize(h + r->start, r->end - r->start) : Py_NewRef(Py_None);
    PyObject *more = PyTuple_New(r->n_more);
    if (data == NULL || found == NULL || line == NULL || more == NULL)
        goto fail;
    for (int i = 0; i < r->n_more; i++) {
        PyObject *v = PyLong_FromSsize_t(r->more[i]);
        if (v == NULL)
            goto fail;
        PyTuple_SET_ITEM(more, i, v);
    }
    return Py_BuildValue("(NNniNN)", data, line, r->start >= 0 ? r->number : (Py_ssize_t)0, r->flags, more, found);
fail:
    Py_XDECREF(data);
    Py_XDECREF(found);
    Py_XDECREF(line);
    Py_XDECREF(more);
    return NULL;
}

/* One file: the raw tuple, or None (see read_into). */
static PyObject *
read_at(int dirfd, const char *name, int body, int trusted)
{
    reading f = {0};
    int outcome = read_into(dirfd, name, body, trusted, 0, &f, NULL, NULL);
    PyObject *result = outcome < 0 ? NULL : outcome > 0 ? Py_NewRef(Py_None) : raw_tuple(&f);
    reading_free(&f);
    return result;
}

/* read(path, trusted) -> (data, tag line or None, line, flags, more, modules) or None.
 *
 * trusted: git vouches for a clean regular file, so no lstat first. A C source (".c") is read
 * whole, anything else up to its 15th line. None: the Python reader must handle the file.
 */
static PyObject *
fastread_read(PyObject *self, PyObject *args)
{
    PyObject *path_obj = NULL;
    int trusted = 0;
    if (!PyArg_ParseTuple(args, "O&p", PyUnicode_FSConverter, &path_obj, &trusted))
        return NULL;
    const char *path = PyBytes_AS_STRING(path_obj);
    PyObject *result = read_at(AT_FDCWD, path, ends_with(path, PyBytes_GET_SIZE(path_obj), ".c"), trusted);
    Py_DECREF(path_obj);
    return result;
}

/* The part of a file's name its comment style depends on (rules.Fact.NAME_STYLE): the extension of its
 * base name (after a dot that is not its first character), and whether the base name starts with one of
 * *prefixes* (a tuple of bytes: rules.NAME_PREFIXES). */
static PyObject *
name_key(const char *path, Py_ssize_t len, PyObject *prefixes, int *named)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    Py_ssize_t base_len = len - (base - path);
    *named = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(prefixes) && !*named; i++) {
        PyObject *prefix = PyTuple_GET_ITEM(prefixes, i);
        Py_ssize_t n = PyBytes_GET_SIZE(prefix);
        *named = base_len >= n && memcmp(base, PyBytes_AS_STRING(prefix), (size_t)n) == 0;
    }
    const char *dot = NULL;
    for (const char *p = base + base_len - 1; p > base; p--) {
        if (*p == '.') {
            dot = p;
            break;
        }
    }
    return dot ? PyBytes_FromStringAndSize(dot + 1, base_len - (dot + 1 - base)) : PyBytes_FromStringAndSize("", 0);
}

/* How keys are made (Context.table, from rules.share_spec: what the per-file checks declare they read);
 * nothing here knows a rule. parts: which facts go into a key, in this order (rules.KEY_PARTS); unshared:
 * which facts keep a file from being shared (rules.UNSHARED_WHEN); paths: a path holding one of these
 * (bytes) is not shared; prefixes: the name prefixes of PART_NAME_STYLE (bytes). */
enum { PART_TAG_LINE = 1, PART_TAG_NUMBER = 2, PART_HEADER_FLAGS = 4, PART_NAME_STYLE = 8, PART_MODULE_STRINGS = 16,
       PART_SIZE = 32, PART_KNOWN = 63 };
enum { UNSHARED_MORE_TAGS = 1, UNSHARED_MISPLACED = 2, UNSHARED_KNOWN = 3 };

typedef struct {
    int parts, unshared;
    PyObject *paths, *prefixes; /* tuples of bytes (borrowed) */
} key_spec;

static int
all_bytes(PyObject *tuple)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tuple); i++) {
        if (!PyBytes_Check(PyTuple_GET_ITEM(tuple, i))) {
            PyErr_SetString(PyExc_TypeError, "read_columns: table paths and prefixes must be bytes");
            return -1;
        }
    }
    return 0;
}

/* Parse a table: (parts, unshared, (path bytes, ...)). Bits this file does not know are refused, so that a
 * fact added in Python but not here turns into an error, never into a key without it. */
static int
parse_spec(PyObject *table, key_spec *spec)
{
    if (!PyArg_ParseTuple(table, "iiO!O!;read_columns: table is (parts, unshared, paths, prefixes)", &spec->parts,
                          &spec->unshared, &PyTuple_Type, &spec->paths, &PyTuple_Type, &spec->prefixes))
        return -1;
    if ((spec->parts & ~PART_KNOWN) || (spec->unshared & ~UNSHARED_KNOWN)) {
        PyErr_SetString(PyExc_ValueError, "read_columns: a key part or condition this reader does not know");
        return -1;
    }
    return all_bytes(spec->paths) < 0 || all_bytes(spec->prefixes) < 0 ? -1 : 0;
}

/* The key the outcome of a file read into *f* is shared under, as *spec* says (Context.share_key does
 * the same for the Python reader), or None: not shared (also a file *exempt* lists: LICENSES/ files). */
static PyObject *
share_key(reading *f, const char *rel, Py_ssize_t rel_len, PyObject *rel_obj, PyObject *exempt, const key_spec *spec)
{
    scan_result *r = &f->r;
    if ((spec->unshared & UNSHARED_MORE_TAGS) && r->n_more != 0)
        Py_RETURN_NONE;
    if ((spec->unshared & UNSHARED_MISPLACED) && !(r->start < 0 || r->number == 1 || (r->number == 2 && (r->flags & 1))))
        Py_RETURN_NONE;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(spec->paths); i++) {
        PyObject *text = PyTuple_GET_ITEM(spec->paths, i);
        if (memmem(rel, (size_t)rel_len, PyBytes_AS_STRING(text), (size_t)PyBytes_GET_SIZE(text)) != NULL)
            Py_RETURN_NONE;
    }
    int listed = PyDict_Contains(exempt, rel_obj);
    if (listed != 0)
        return listed < 0 ? NULL : Py_NewRef(Py_None);
    PyObject *items[7];
    int n = 0;
    if (spec->parts & PART_TAG_LINE)
        items[n++] = r->start >= 0 ? PyBytes_FromStringAndSize(f->buf + r->start, r->end - r->start) : Py_NewRef(Py_None);
    if (spec->parts & PART_TAG_NUMBER)
        items[n++] = PyLong_FromSsize_t(r->start >= 0 ? r->number : 0);
    if (spec->parts & PART_HEADER_FLAGS)
        items[n++] = PyLong_FromLong(r->flags);
    if (spec->parts & PART_NAME_STYLE) {
        int named = 0;
        items[n++] = name_key(rel, rel_len, spec->prefixes, &named);
        items[n++] = PyLong_FromLong(named);
    }
    if (spec->parts & PART_MODULE_STRINGS) {
        PyObject *strings = PyTuple_New(f->modules.n);
        for (Py_ssize_t i = 0; strings != NULL && i < f->modules.n; i++) {
            module_match *m = &f->modules.items[i];
            PyObject *string = PyUnicode_DecodeUTF8(f->buf + m->start, m->len, "replace");
            if (string == NULL)
                Py_CLEAR(strings);
            else
                PyTuple_SET_ITEM(strings, i, string);
        }
        items[n++] = strings;
    }
    if (spec->parts & PART_SIZE)
        items[n++] = PyLong_FromSsize_t(f->scanned);
    PyObject *key = PyTuple_New(n);
    for (int i = 0; i < n; i++) {
        if (items[i] == NULL || key == NULL) {
            for (int j = i; j < n; j++)
                Py_XDECREF(items[j]);
            Py_XDECREF(key);
            return NULL;
        }
        PyTuple_SET_ITEM(key, i, items[i]);
    }
    return key;
}

/* Licence-notice candidates (tui.core.notices.candidates.needs_matching, set by configure_notices): whether
 * the leading comment lines of the head read hold a licence word (an untagged file: within its first
 * notice_bytes[0] bytes) or licence text besides the tag line (a tagged file: within its first
 * notice_bytes[1] bytes, less the bytes from the first "spdx-license-identifier" to the end of its line),
 * compared in lower case. */
#define MAX_NOTICE_WORDS 32
static char *notice_words[2][MAX_NOTICE_WORDS];
static Py_ssize_t notice_lens[2][MAX_NOTICE_WORDS];
static int notice_count[2];
static Py_ssize_t notice_bytes[2] = {16384, 6144};

/* What starts a comment line in one file type or another (candidates.COMMENT_STARTS, in the same order). */
static const char *const comment_starts[] = {"//", "#", "*", ";", "--", "..", ".\\\"", "%", "!", "<!--", "{#", "@"};

/* The end of the leading comment lines of buf[0:n] (candidates.leading_region): blank lines, lines in a
 * block comment, and lines that start with a comment marker, up to the first other line. */
static Py_ssize_t
leading_region(const char *buf, Py_ssize_t n)
{
    Py_ssize_t pos = 0;
    int in_block = 0;
    while (pos < n) {
        if (in_block) {  /* the block ends on the line of the first "*\/" (one search, not one a line) */
            const char *close = search(buf + pos, (size_t)(n - pos), "*/", 2);
            if (close == NULL)
                return n;
            const char *after = memchr(close, '\n', (size_t)(buf + n - close));
            if (after == NULL)
                return n;
            pos = after - buf + 1;
            in_block = 0;
            continue;
        }
        const char *nl = memchr(buf + pos, '\n', (size_t)(n - pos));
        Py_ssize_t end = nl ? nl - buf : n;
        Py_ssize_t at = pos;
        while (at < end && (buf[at] == ' ' || buf[at] == '\t' || buf[at] == '\r' || buf[at] == '\f' || buf[at] == '\v'))
            at++;
        if (at == end) {
            pos = end + 1;
            continue;
        }
        Py_ssize_t left = end - at;
        if (left >= 2 && buf[at] == '/' && buf[at + 1] == '*') {
            in_block = search(buf + at + 2, (size_t)(left - 2), "*/", 2) == NULL;
            pos = end + 1;
            continue;
        }
        int comment = 0;
        for (size_t k = 0; k < sizeof(comment_starts) / sizeof(comment_starts[0]) && !comment; k++) {
            size_t len = strlen(comment_starts[k]);
            comment = (size_t)left >= len && memcmp(buf + at, comment_starts[k], len) == 0;
        }
        if (!comment)
            return pos;
        pos = end + 1;
    }
    return n;
}

/* (the GIL need not be held: the lower-case copy is in *f*) */
static int
notice_candidate(reading *f, const char *buf, Py_ssize_t got, int tagged)
{
    int kind = tagged ? 1 : 0;
    if (notice_count[kind] == 0)
        return 0;
    Py_ssize_t n = leading_region(buf, got < notice_bytes[kind] ? got : notice_bytes[kind]);
    if (n > f->low_cap) {
        char *grown = realloc(f->low, (size_t)n + 1);
        if (grown == NULL)
            return 0;
        f->low = grown;
        f->low_cap = n;
    }
    char *low = f->low;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];
        low[i] = (char)(c - 'A' < 26u ? c + 32 : c);
    }
    if (tagged) {
        static const char spdx[] = "spdx-license-identifier";
        const char *at = search(low, (size_t)n, spdx, sizeof(spdx) - 1);
        if (at != NULL) {
            const char *nl = memchr(at, '\n', (size_t)(low + n - at));
            Py_ssize_t cut = at - low, rest = nl ? (Py_ssize_t)(low + n - nl) : 0;
            if (rest)
                memmove(low + cut, nl, (size_t)rest);
            n = cut + rest;
        }
    }
    for (int w = 0; w < notice_count[kind]; w++)
        if (search(low, (size_t)n, notice_words[kind][w], (size_t)notice_lens[kind][w]) != NULL)
            return 1;
    return 0;
}

/* configure_notices(untagged words, tagged words, untagged bytes, tagged bytes): see notice_candidate. */
static PyObject *
fastread_configure_notices(PyObject *self, PyObject *args)
{
    PyObject *lists[2];
    Py_ssize_t sizes[2];
    if (!PyArg_ParseTuple(args, "O!O!nn", &PyTuple_Type, &lists[0], &PyTuple_Type, &lists[1], &sizes[0], &sizes[1]))
        return NULL;
    for (int kind = 0; kind < 2; kind++) {
        Py_ssize_t count = PyTuple_GET_SIZE(lists[kind]);
        if (count > MAX_NOTICE_WORDS) {
            PyErr_SetString(PyExc_ValueError, "configure_notices: too many words");
            return NULL;
        }
        for (Py_ssize_t w = 0; w < count; w++)
            if (!PyBytes_Check(PyTuple_GET_ITEM(lists[kind], w)) || PyBytes_GET_SIZE(PyTuple_GET_ITEM(lists[kind], w)) == 0) {
                PyErr_SetString(PyExc_TypeError, "configure_notices: words are non-empty bytes");
                return NULL;
            }
    }
    for (int kind = 0; kind < 2; kind++) {
        for (int w = 0; w < notice_count[kind]; w++)
            free(notice_words[kind][w]);
        notice_count[kind] = 0;
        Py_ssize_t count = PyTuple_GET_SIZE(lists[kind]);
        for (Py_ssize_t w = 0; w < count; w++) {
            PyObject *word = PyTuple_GET_ITEM(lists[kind], w);
            Py_ssize_t len = PyBytes_GET_SIZE(word);
            char *copy = malloc((size_t)len);
            if (copy == NULL)
                return PyErr_NoMemory();
            memcpy(copy, PyBytes_AS_STRING(word), (size_t)len);
            notice_words[kind][notice_count[kind]] = copy;
            notice_lens[kind][notice_count[kind]++] = len;
        }
        notice_bytes[kind] = sizes[kind];
    }
    Py_RETURN_NONE;
}

/* notice_candidate(data, tagged) -> bool: the test read_columns makes, for tests and the Python reader's agreement. */
static PyObject *
fastread_notice_candidate(PyObject *self, PyObject *args)
{
    Py_buffer data;
    int tagged;
    if (!PyArg_ParseTuple(args, "y*p", &data, &tagged))
        return NULL;
    reading f = {0};
    int found = notice_candidate(&f, data.buf, data.len, tagged);
    reading_free(&f);
    PyBuffer_Release(&data);
    return PyBool_FromLong(found);
}

/* read_columns' reading, with its arguments (base, paths, flags, shared, exempt, table) -> a list, for each path:
 *   the outcome kept in *shared* under the file's key (most files), or
 *   (key or None, raw): what read() gives, with the key to keep the outcome under (None: not shared), or
 *   None: the file is left to the Python reader (flags 2: excluded, not read; or read() gave None).
 * flags: 1 trusted, 2 excluded. *exempt*: paths whose outcome is never shared (LICENSES/ files). *table*: how
 * keys are made (see key_spec).
 * Paths are relative to *base* ("" in a worker that has chdir'ed to the root). */
static PyObject *
read_batch(PyObject *args, PyObject **heads, PyObject **edited)
{
    PyObject *base_obj, *paths, *shared, *exempt, *table, *stats_obj = Py_None;
    Py_buffer flags, stats = {0};
    key_spec spec;
    if (!PyArg_ParseTuple(args, "O&O!y*O!O!O!|O", PyUnicode_FSConverter, &base_obj, &PyList_Type, &paths, &flags,
                          &PyDict_Type, &shared, &PyDict_Type, &exempt, &PyTuple_Type, &table, &stats_obj))
        return NULL;
    if (parse_spec(table, &spec) < 0) {
        PyBuffer_Release(&flags);
        Py_DECREF(base_obj);
        return NULL;
    }
    PyObject *results = NULL;
    char *full = NULL;
    dir_checker *dirs = NULL;
    reading f = {0};
    Py_ssize_t n = PyList_GET_SIZE(paths);
    if (flags.len != n) {
        PyErr_SetString(PyExc_ValueError, "read_columns: one flag a path");
        goto done;
    }
    if (stats_obj != Py_None) {
        if (PyObject_GetBuffer(stats_obj, &stats, PyBUF_SIMPLE) < 0)
            goto done;
        if (stats.len != n * (Py_ssize_t)(INDEX_STAT_WORDS * sizeof(uint32_t))) {
            PyErr_SetString(PyExc_ValueError, "read_columns: the index stat data of each path (index_stats)");
            goto done;
        }
        dirs = calloc(1, sizeof(dir_checker));
        if (dirs == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    results = PyList_New(n);
    if (results == NULL)
        goto done;
    *heads = PyList_New(0);
    *edited = PyList_New(0);
    if (*heads == NULL || *edited == NULL)
        goto fail;
    const char *base = PyBytes_AS_STRING(base_obj);
    Py_ssize_t base_len = PyBytes_GET_SIZE(base_obj);
    size_t full_cap = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char flag = ((const unsigned char *)flags.buf)[i];
        PyObject *rel_obj = PyList_GET_ITEM(paths, i), *item;
        if (flag & 2) {
            Py_INCREF(Py_None);
            PyList_SET_ITEM(results, i, Py_None);
            continue;
        }
        PyObject *rel_bytes = NULL;
        if (!PyUnicode_FSConverter(rel_obj, &rel_bytes))
            goto fail;
        const char *rel = PyBytes_AS_STRING(rel_bytes);
        Py_ssize_t rel_len = PyBytes_GET_SIZE(rel_bytes);
        const char *path = rel;
        if (base_len) {
            size_t need = (size_t)(base_len + 1 + rel_len + 1);
            if (need > full_cap) {
                char *grown = realloc(full, need);
                if (grown == NULL) {
                    Py_DECREF(rel_bytes);
                    PyErr_NoMemory();
                    goto fail;
                }
                full = grown;
                full_cap = need;
            }
            memcpy(full, base, (size_t)base_len);
            full[base_len] = '/';
            memcpy(full + base_len + 1, rel, (size_t)rel_len + 1);
            path = full;
        }
        /* flag 4: git's index stat data to compare (an edited file is left to the Python reader) */
        const uint32_t *check = stats.buf != NULL && (flag & 4) ? (const uint32_t *)stats.buf + i * INDEX_STAT_WORDS
                                                                 : NULL;
        int was_edited = 0, outcome = 0;
        if (check != NULL && dirs != NULL && base_len && leading_gone(dirs, AT_FDCWD, path, (size_t)(base_len + 1 + rel_len),
                                                      (size_t)base_len + 1))
            was_edited = 1;  /* (below a directory that is one no more: git takes it for deleted) */
        else
            outcome = read_into(AT_FDCWD, path, ends_with(rel, rel_len, ".c"), flag & 1, 1, &f, check, &was_edited);
        if (was_edited) {
            Py_DECREF(rel_bytes);
            PyObject *number = PyLong_FromSsize_t(i);
            if (number == NULL || PyList_Append(*edited, number) < 0) {
                Py_XDECREF(number);
                goto fail;
            }
            Py_DECREF(number);
            if (outcome < 0)
                goto fail;
            PyList_SET_ITEM(results, i, Py_NewRef(Py_None));
            continue;
        }
        if (outcome != 0) {
            Py_DECREF(rel_bytes);
            if (outcome < 0)
                goto fail;
            PyList_SET_ITEM(results, i, Py_NewRef(Py_None));
            continue;
        }
        if (f.candidate) {
            PyObject *head = PyBytes_FromStringAndSize(f.buf, f.got < notice_bytes[0] ? f.got : notice_bytes[0]);
            PyObject *pair = head ? Py_BuildValue("(nN)", i, head) : NULL;
            if (pair == NULL || PyList_Append(*heads, pair) < 0) {
                Py_XDECREF(pair);
                Py_DECREF(rel_bytes);
                goto fail;
            }
            Py_DECREF(pair);
        }
        PyObject *key = share_key(&f, rel, rel_len, rel_obj, exempt, &spec);
        Py_DECREF(rel_bytes);
        if (key == NULL)
            goto fail;
        PyObject *known = key == Py_None ? NULL : PyDict_GetItemWithError(shared, key);
        if (known != NULL && known != Py_None) {  /* the common case: no bytes object is made for the file */
            item = Py_NewRef(known);
            Py_DECREF(key);
        } else if (PyErr_Occurred()) {
            Py_DECREF(key);
            goto fail;
        } else {
            if (known == Py_None)  /* kept as "never shared" */
                Py_SETREF(key, Py_NewRef(Py_None));
            PyObject *raw = raw_tuple(&f);
            item = raw ? PyTuple_Pack(2, key, raw) : NULL;
            Py_DECREF(key);
            Py_XDECREF(raw);
            if (item == NULL)
                goto fail;
        }
        PyList_SET_ITEM(results, i, item);
    }
    goto done;
fail:
    Py_CLEAR(results);
done:
    free(full);
    free(dirs);
    reading_free(&f);
    PyBuffer_Release(&flags);
    if (stats.buf != NULL)
        PyBuffer_Release(&stats);
    Py_DECREF(base_obj);
    return results;
}

/* parse_git(piece, dirty) -> (paths, keys, flags, special): git's ``ls-files -s -z`` records (a piece cut at
 * a record's end) as columns, like scan.parse_records: an unmerged path's stages once; keys are blob ids;
 * flags 1 where git vouches for a clean regular file. *special* lists (position, kind) for Python to look at,
 * kind 1 a submodule, 2 a symlink, 3 a file in *dirty* (a set of bytes paths); their key stays "". */
static PyObject *
fastread_parse_git(PyObject *self, PyObject *args)
{
    Py_buffer raw;
    PyObject *dirty;
    if (!PyArg_ParseTuple(args, "y*O", &raw, &dirty))
        return NULL;
    PyObject *paths = PyList_New(0), *keys = PyList_New(0), *flags = PyByteArray_FromStringAndSize(NULL, 0),
             *special = PyList_New(0), *empty = PyUnicode_FromStringAndSize("", 0);
    Py_ssize_t dirty_count = PyObject_Length(dirty);
    if (dirty_count < 0) {
        PyBuffer_Release(&raw);
        return NULL;
    }
    int check_dirty = dirty_count > 0;
    const char *h = raw.buf, *end = h + raw.len, *prev = NULL;
    Py_ssize_t prev_len = -1;
    if (!paths || !keys || !flags || !special || !empty)
        goto fail;
    while (h < end) {
        const char *record = h;
        const char *nul = memchr(record, '\0', (size_t)(end - record));
        const char *rec_end = nul ? nul : end;
        h = rec_end + 1;
        const char *tab = memchr(record, '\t', (size_t)(rec_end - record));
        if (tab == NULL || tab - record < 8)  /* not a record git writes: leave it */
            continue;
        const char *path = tab + 1;
        Py_ssize_t path_len = rec_end - path;
        if (prev != NULL && path_len == prev_len && memcmp(path, prev, (size_t)path_len) == 0)
            continue;  /* an unmerged path appears once per stage */
        prev = path;
        prev_len = path_len;
        PyObject *name = PyUnicode_DecodeFSDefaultAndSize(path, path_len);  /* as os.fsdecode: FSConverter gives the bytes back */
        if (name == NULL)
            goto fail;
        int plain = 1, kind = 0;
        if (memcmp(record, "160000", 6) == 0)
            plain = 0, kind = 1;
        else if (memcmp(record, "120000", 6) == 0)
            plain = 0, kind = 2;
        else if (check_dirty) {
            PyObject *key_bytes = PyBytes_FromStringAndSize(path, path_len);
            int hit = key_bytes ? PySet_Contains(dirty, key_bytes) : -1;
            Py_XDECREF(key_bytes);
            if (hit < 0) {
                Py_DECREF(name);
                goto fail;
            }
            plain = !hit;
            kind = hit ? 3 : 0;
        }
        PyObject *key;
        if (plain) {  /* "<mode> <blob id> <stage>\t<path>" */
            const char *key_end = memchr(record + 7, ' ', (size_t)(tab - (record + 7)));
            key = PyUnicode_DecodeASCII(record + 7, (key_end ? key_end : tab) - (record + 7), "surrogateescape");
        } else {
            key = empty;
            Py_INCREF(key);
        }
        char flag = (char)plain;
        Py_ssize_t at = PyList_GET_SIZE(paths);
        int failed = key == NULL || PyList_Append(paths, name) < 0 || PyList_Append(keys, key) < 0 ||
                     PyByteArray_Resize(flags, at + 1) < 0;
        Py_DECREF(name);
        Py_XDECREF(key);
        if (failed)
            goto fail;
        PyByteArray_AS_STRING(flags)[at] = flag;
        if (!plain) {
            PyObject *index = Py_BuildValue("(ni)", at, kind);
            if (index == NULL || PyList_Append(special, index) < 0) {
                Py_XDECREF(index);
                goto fail;
            }
            Py_DECREF(index);
        }
    }
    PyBuffer_Release(&raw);
    Py_DECREF(empty);
    return Py_BuildValue("(NNNN)", paths, keys, flags, special);
fail:
    PyBuffer_Release(&raw);
    Py_XDECREF(paths);
    Py_XDECREF(keys);
    Py_XDECREF(flags);
    Py_XDECREF(special);
    Py_XDECREF(empty);
    return NULL;
}

/* read_columns(base, paths, flags, shared, exempt, table) -> (status, exprs, lines, findings, pending, heads):
 * read_batch, with each shared outcome written straight into a chunk's columns (status bytearray, expression
 * and line lists, findings dict by path). *pending* lists (position, key, raw) for Python to work out (raw
 * None: a file left to the Python reader); their columns hold placeholders until it does. *heads* lists
 * (position, head) of the licence-notice candidates (notices.candidates), each head its first HEAD_BYTES. */
static PyObject *
fastread_read_columns(PyObject *self, PyObject *args)
{
    PyObject *heads = NULL, *edited = NULL;
    PyObject *results = read_batch(args, &heads, &edited);  /* which checks the arguments */
    if (results == NULL) {
        Py_XDECREF(heads);
        Py_XDECREF(edited);
        return NULL;
    }
    PyObject *paths = PyTuple_GET_ITEM(args, 1);
    Py_ssize_t n = PyList_GET_SIZE(results);
    PyObject *status = PyByteArray_FromStringAndSize(NULL, n), *exprs = PyList_New(n), *lines = PyList_New(n),
             *findings = PyDict_New(), *pending = PyList_New(0), *zero = PyLong_FromLong(0);
    if (!status || !exprs || !lines || !findings || !pending || !zero)
        goto fail;
    char *codes = PyByteArray_AS_STRING(status);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *got = PyList_GET_ITEM(results, i);
        if (PyTuple_Check(got) && PyTuple_GET_SIZE(got) >= 4) {  /* an Outcome: (status, expression, line, findings, ...) */
            codes[i] = (char)PyLong_AsLong(PyTuple_GET_ITEM(got, 0));
            PyObject *expression = PyTuple_GET_ITEM(got, 1), *line = PyTuple_GET_ITEM(got, 2);
            PyObject *found = PyTuple_GET_ITEM(got, 3);
            Py_INCREF(expression);
            PyList_SET_ITEM(exprs, i, expression);
            Py_INCREF(line);
            PyList_SET_ITEM(lines, i, line);
            if (PyTuple_Check(found) && PyTuple_GET_SIZE(found) > 0 &&
                PyDict_SetItem(findings, PyList_GET_ITEM(paths, i), found) < 0)
                goto fail;
            continue;
        }
        codes[i] = 0;
        Py_INCREF(Py_None);
        PyList_SET_ITEM(exprs, i, Py_None);
        Py_INCREF(zero);
        PyList_SET_ITEM(lines, i, zero);
        PyObject *item = got == Py_None ? Py_BuildValue("(nOO)", i, Py_None, Py_None)
                                        : Py_BuildValue("(nOO)", i, PyTuple_GET_ITEM(got, 0), PyTuple_GET_ITEM(got, 1));
        if (item == NULL || PyList_Append(pending, item) < 0) {
            Py_XDECREF(item);
            goto fail;
        }
        Py_DECREF(item);
    }
    Py_DECREF(results);
    Py_DECREF(zero);
    return Py_BuildValue("(NNNNNNN)", status, exprs, lines, findings, pending, heads, edited);
fail:
    Py_XDECREF(heads);
    Py_XDECREF(edited);
    Py_DECREF(results);
    Py_XDECREF(status);
    Py_XDECREF(exprs);
    Py_XDECREF(lines);
    Py_XDECREF(findings);
    Py_XDECREF(pending);
    Py_XDECREF(zero);
    return NULL;
}

static PyObject *
fastread_name_key(PyObject *self, PyObject *args)
{
    PyObject *path_obj, *prefixes;
    if (!PyArg_ParseTuple(args, "O&O!", PyUnicode_FSConverter, &path_obj, &PyTuple_Type, &prefixes))
        return NULL;
    if (all_bytes(prefixes) < 0) {
        Py_DECREF(path_obj);
        return NULL;
    }
    int named = 0;
    PyObject *ext = name_key(PyBytes_AS_STRING(path_obj), PyBytes_GET_SIZE(path_obj), prefixes, &named);
    Py_DECREF(path_obj);
    return ext == NULL ? NULL : Py_BuildValue("(Ni)", ext, named);
}

/* scan(data) -> (tag line or None, line, flags, more, modules): the searches of read() on bytes (for tests). */
static PyObject *
fastread_scan(PyObject *self, PyObject *args)
{
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view))
        return NULL;
    scan_result r;
    scan_head(view.buf, view.len, &r);
    if (r.overflow) {
        PyBuffer_Release(&view);
        Py_RETURN_NONE;
    }
    PyObject *line;
    if (r.start >= 0)
        line = PyBytes_FromStringAndSize((const char *)view.buf + r.start, r.end - r.start);
    else {
        line = Py_None;
        Py_INCREF(line);
    }
    PyObject *more = PyTuple_New(r.n_more);
    for (int i = 0; more != NULL && i < r.n_more; i++)
        PyTuple_SET_ITEM(more, i, PyLong_FromSsize_t(r.more[i]));
    module_list modules = {NULL, 0, 0, 0};
    find_modules(view.buf, view.len, &modules);
    PyObject *found = modules.failed ? PyErr_NoMemory() : modules_tuple(view.buf, &modules);
    free(modules.items);
    PyBuffer_Release(&view);
    if (line == NULL || more == NULL || found == NULL) {
        Py_XDECREF(line);
        Py_XDECREF(more);
        Py_XDECREF(found);
        return NULL;
    }
    return Py_BuildValue("(NniNN)", line, r.start >= 0 ? r.number : (Py_ssize_t)0, r.flags, more, found);
}

static PyObject *
fastread_configure(PyObject *self, PyObject *args)
{
    if (!PyArg_ParseTuple(args, "nnnnn", &head_bytes, &max_head_bytes, &max_body_bytes, &head_search, &max_lines))
        return NULL;
    Py_RETURN_NONE;
}

/* index_stats(index, staged) -> (stats, latest mtime) or None: the stat data git's index (.git/index, v2 to
 * v4, SHA-1) records for each of its entries, in its order, which is that of *staged* (``git ls-files -s -z`` of
 * the same index: each record's mode and blob id are checked against the entry's), as INDEX_STAT_WORDS native
 * 32-bit words an entry, and the index file's mtime as the index records none (the caller stats it). None when
 * the readers could not judge edits as git does: an entry assumed unchanged, skip-worktree or intent-to-add, an
 * unmerged entry, a submodule, a split or sparse index, an unknown version, or anything that does not agree. */

static uint32_t be32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static int hex_of(const unsigned char *raw, const char *hex) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 20; i++)
        if (hex[2 * i] != digits[raw[i] >> 4] || hex[2 * i + 1] != digits[raw[i] & 15])
            return 0;
    return 1;
}

static PyObject *
fastread_index_stats(PyObject *self, PyObject *args)
{
    Py_buffer index, staged;
    if (!PyArg_ParseTuple(args, "y*y*", &index, &staged))
        return NULL;
    const unsigned char *p = index.buf, *end = p + index.len;
    const char *rec = staged.buf, *rec_end = rec + staged.len;
    PyObject *out = NULL, *result = Py_None;
    uint32_t *words = NULL;
    if (index.len < 12 + 20 || memcmp(p, "DIRC", 4) != 0)
        goto unsupported;
    uint32_t version = be32(p + 4), count = be32(p + 8);
    if (version < 2 || version > 4 || count > (uint32_t)(index.len / 62))
        goto unsupported;
    words = PyMem_Malloc(((size_t)count ? count : 1) * INDEX_STAT_WORDS * sizeof(uint32_t));
    if (words == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const unsigned char *at = p + 12;
    end -= 20;  /* the checksum */
    for (uint32_t n = 0; n < count; n++) {
        if (end - at < 62 + (version == 4 ? 2 : 1))
            goto unsupported;
        uint16_t flags = (uint16_t)((at[60] << 8) | at[61]);
        if (flags & 0x8000 || flags & 0x3000)  /* assumed unchanged; a stage of an unmerged path */
            goto unsupported;
        Py_ssize_t fixed = 62;
        if (flags & 0x4000) {  /* extended flags: skip-worktree, intent-to-add (v3 and later) */
            if (version < 3)
                goto unsupported;
            if (((at[62] << 8) | at[63]) != 0)
                goto unsupported;
            fixed = 64;
        }
        const unsigned char *name = at + fixed;
        const unsigned char *nul;
        if (version == 4) {  /* a varint (bytes dropped from the previous name), then the rest of the name */
            const unsigned char *v = name;
            while (v < end && (*v & 0x80))
                v++;
            if (v >= end)
                goto unsupported;
            nul = memchr(v + 1, 0, (size_t)(end - v - 1));
            if (nul == NULL)
                goto unsupported;
            at = nul + 1;
        } else {
            nul = memchr(name, 0, (size_t)(end - name));
            if (nul == NULL)
                goto unsupported;
            Py_ssize_t size = (fixed + (nul - name) + 8) & ~(Py_ssize_t)7;
            if (end - at < size)
                goto unsupported;
            at += size;
        }
        /* the record of ls-files -s for it: "<mode> <oid> <stage>\t<path>\0" */
        const char *tab = memchr(rec, '\t', (size_t)(rec_end - rec));
        const char *rec_nul = tab ? memchr(tab, 0, (size_t)(rec_end - tab)) : NULL;
        if (rec_nul == NULL || tab - rec != 6 + 1 + 40 + 1 + 1)
            goto unsupported;
        const unsigned char *e = name - fixed;
        uint32_t mode = be32(e + 24);
        /* (a submodule: git looks into it, which the readers do not) */
        const char *mode_text = mode == 0100644 ? "100644" : mode == 0100755 ? "100755" : mode == 0120000 ? "120000"
                                                                                                        : NULL;
        if (mode_text == NULL || memcmp(rec, mode_text, 6) != 0 || !hex_of(e + 40, rec + 7) || rec[48] != '0')
            goto unsupported;
        rec = rec_nul + 1;
        uint32_t *w = words + (size_t)n * INDEX_STAT_WORDS;
        w[0] = be32(e + 0);   /* ctime s, ns */
        w[1] = be32(e + 4);
        w[2] = be32(e + 8);   /* mtime s, ns */
        w[3] = be32(e + 12);
        w[4] = be32(e + 20);  /* ino */
        w[5] = mode;
        w[6] = be32(e + 28);  /* uid, gid */
        w[7] = be32(e + 32);
        w[8] = be32(e + 36);  /* size */
        w[9] = (e[40] << 24) | (e[41] << 16) | (e[42] << 8) | e[43];  /* the blob id's first bytes */
    }
    if (rec != rec_end)
        goto unsupported;
    /* extensions: a split index (link) keeps entries elsewhere, a sparse one (sdir) holds directories */
    while (end - at >= 8) {
        if (memcmp(at, "link", 4) == 0 || memcmp(at, "sdir", 4) == 0)
            goto unsupported;
        uint32_t size = be32(at + 4);
        if ((uint64_t)size > (uint64_t)(end - at - 8))
            goto unsupported;
        at += 8 + size;
    }
    if (at != end)
        goto unsupported;
    out = PyBytes_FromStringAndSize((const char *)words, (Py_ssize_t)count * INDEX_STAT_WORDS * sizeof(uint32_t));
    if (out != NULL) {
        uint32_t latest = 0;  /* the latest mtime (seconds) an entry records */
        for (uint32_t n = 0; n < count; n++)
            if (words[(size_t)n * INDEX_STAT_WORDS + 2] > latest)
                latest = words[(size_t)n * INDEX_STAT_WORDS + 2];
        out = Py_BuildValue("(NI)", out, latest);  /* (N: the pair takes the bytes' reference) */
    }
    result = out;
    goto done;
unsupported:
    result = Py_None;
done:
    PyMem_Free(words);
    PyBuffer_Release(&index);
    PyBuffer_Release(&staged);
    if (result == NULL || (result != Py_None && out == NULL))
        return NULL;
    if (result == Py_None)
        Py_RETURN_NONE;
    return out;
}

/* Whether the file open as *fd* is not what its index entry *w* (index_stats) recorded, as git's ie_match_stat
 * judges it with core.checkStat=default, core.trustctime and core.fileMode on (nanoseconds compared too: never
 * less edited than git finds it). An entry whose size was smudged to 0 (racy git) is edited unless empty. */
static int
edited_since(int fd, const uint32_t *w)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 1;
    if ((w[5] & 0170000) != 0100000 || ((w[5] ^ (uint32_t)st.st_mode) & 0100))
        return 1;
    if (w[0] != (uint32_t)st.st_ctim.tv_sec || w[1] != (uint32_t)st.st_ctim.tv_nsec ||
        w[2] != (uint32_t)st.st_mtim.tv_sec || w[3] != (uint32_t)st.st_mtim.tv_nsec ||
        w[4] != (uint32_t)st.st_ino || w[6] != (uint32_t)st.st_uid || w[7] != (uint32_t)st.st_gid ||
        w[8] != (uint32_t)st.st_size)
        return 1;
    if (w[8] == 0 && w[9] != 0xe69de29bu)  /* smudged (the empty blob is e69de29b...) */
        return 1;
    return 0;
}

/* ---- find_sorted: positions of paths in an index cache's raw path column (bytes, as written to disk) ---- */

/* Start i of a column's starts (native uint64s, read whatever their alignment). */
static inline uint64_t
start_at(const Py_buffer *starts, Py_ssize_t i)
{
    uint64_t value;
    memcpy(&value, (const char *)starts->buf + 8 * i, 8);
    return value;
}

/* A column as cache.py writes it: its entries' bytes joined by NUL (*data*), and the start of each entry with
   one more past the end (*starts*: n + 1 native uint64s; entry i is data[starts[i] : starts[i + 1] - 1]). -1
   (ValueError set) unless every start lies in *data* and they never go back: a damaged file is no crash. */
static Py_ssize_t
checked_count(const Py_buffer *data, const Py_buffer *starts)
{
    Py_ssize_t n, i;
    if (starts->len % 8 != 0 || starts->len < 8) {
        PyErr_SetString(PyExc_ValueError, "find_sorted: a column's starts are not whole uint64s");
        return -1;
    }
    n = starts->len / 8 - 1;
    if (n > 0 ? start_at(starts, n) != (uint64_t)data->len + 1 : (data->len != 0 || start_at(starts, 0) != 0)) {
        PyErr_SetString(PyExc_ValueError, "find_sorted: a column's starts do not end with its data");
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (start_at(starts, i + 1) < start_at(starts, i) + 1 || start_at(starts, i) > (uint64_t)data->len) {
            PyErr_SetString(PyExc_ValueError, "find_sorted: a column's starts go back or past its data");
            return -1;
        }
    }
    return n;
}

static PyObject *
fastread_find_sorted(PyObject *self, PyObject *args)
{
    Py_buffer paths = {0}, path_starts = {0}, keys = {0}, key_starts = {0};
    PyObject *queries, *positions = NULL, *found_keys = NULL, *result = NULL;
    Py_ssize_t count, q, nq;
    if (!PyArg_ParseTuple(args, "y*y*y*y*O!", &paths, &path_starts, &keys, &key_starts, &PyList_Type, &queries))
        return NULL;
    count = checked_count(&paths, &path_starts);
    if (count < 0)
        goto done;
    q = checked_count(&keys, &key_starts);
    if (q < 0)
        goto done;
    if (q != count) {
        PyErr_SetString(PyExc_ValueError, "find_sorted: the two columns have different lengths");
        goto done;
    }
    nq = PyList_GET_SIZE(queries);
    positions = PyList_New(nq);
    found_keys = PyList_New(nq);
    if (positions == NULL || found_keys == NULL)
        goto done;
    for (q = 0; q < nq; q++) {
        PyObject *query = PyList_GET_ITEM(queries, q), *pos, *key, *encoded = NULL;
        const char *qdata, *base = paths.buf;
        Py_ssize_t qlen, lo = 0, hi = count, found = -1;
        if (PyUnicode_Check(query) && PyUnicode_IS_ASCII(query)) {  /* (a path's bytes as they are) */
            qdata = (const char *)PyUnicode_1BYTE_DATA(query);
            qlen = PyUnicode_GET_LENGTH(query);
        } else if (PyUnicode_Check(query)) {  /* os.fsencode's bytes */
            encoded = PyUnicode_AsEncodedString(query, "utf-8", "surrogateescape");
            if (encoded == NULL)
                goto done;
            qdata = PyBytes_AS_STRING(encoded);
            qlen = PyBytes_GET_SIZE(encoded);
        } else if (PyBytes_Check(query)) {
            qdata = PyBytes_AS_STRING(query);
            qlen = PyBytes_GET_SIZE(query);
        } else {
            PyErr_SetString(PyExc_TypeError, "find_sorted: a query is neither str nor bytes");
            goto done;
        }
        while (lo < hi) {
            Py_ssize_t mid = lo + (hi - lo) / 2;
            uint64_t start = start_at(&path_starts, mid);
            Py_ssize_t elen = (Py_ssize_t)(start_at(&path_starts, mid + 1) - 1 - start), n = qlen < elen ? qlen : elen;
            int c = memcmp(qdata, base + start, (size_t)n);
            if (c == 0)
                c = qlen == elen ? 0 : (qlen < elen ? -1 : 1);
            if (c == 0) {
                found = mid;
                break;
            }
            if (c < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
        Py_XDECREF(encoded);
        pos = PyLong_FromSsize_t(found);
        if (pos == NULL)
            goto done;
        PyList_SET_ITEM(positions, q, pos);
        if (found < 0) {
            key = Py_None;
            Py_INCREF(key);
        } else {
            uint64_t start = start_at(&key_starts, found);
            key = PyUnicode_DecodeUTF8((const char *)keys.buf + start,
                                       (Py_ssize_t)(start_at(&key_starts, found + 1) - 1 - start), "surrogateescape");
            if (key == NULL)
                goto done;
        }
        PyList_SET_ITEM(found_keys, q, key);
    }
    result = PyTuple_Pack(2, positions, found_keys);
done:
    PyBuffer_Release(&paths);
    PyBuffer_Release(&path_starts);
    PyBuffer_Release(&keys);
    PyBuffer_Release(&key_starts);
    Py_XDECREF(positions);
    Py_XDECREF(found_keys);
    return result;
}

/* ---- index_diff: the records two git indexes hold differently, as ``git diff-index --cached`` gives them ---- */

typedef struct {
    const char *name;   /* into the arena (v4) or the index itself */
    Py_ssize_t len;
    uint32_t mode;
    const unsigned char *oid;
} index_entry;

typedef struct {
    index_entry *entries;
    Py_ssize_t count;
    char *arena;        /* v4: the names, rebuilt from their prefixes */
} index_entries;

static void
free_entries(index_entries *e)
{
    PyMem_Free(e->entries);
    PyMem_Free(e->arena);
    e->entries = NULL;
    e->arena = NULL;
}

/* 1 and *out* filled when *buf* is an index whose entries a merge may compare as git would (v2 to v4, SHA-1:
   the caller checks the repository's object format); 0 for anything else: an unmerged entry, extended flags
   (skip-worktree, intent-to-add), a directory entry or the extension of a sparse or split index, names out of
   order, or anything malformed; -1 (MemoryError set) when out of memory. */
static int
parse_index(const unsigned char *p, Py_ssize_t size, index_entries *out)
{
    const unsigned char *at, *end;
    uint32_t version, count, n;
    Py_ssize_t arena_len = 0, arena_cap = 0, prev_len = 0;
    const char *prev = NULL;
    out->entries = NULL;
    out->arena = NULL;
    out->count = 0;
    if (size < 12 + 20 || memcmp(p, "DIRC", 4) != 0)
        return 0;
    version = be32(p + 4);
    count = be32(p + 8);
    if (version < 2 || version > 4 || count > (uint32_t)(size / 62))
        return 0;
    out->entries = PyMem_Malloc(((size_t)count ? count : 1) * sizeof(index_entry));
    if (out->entries == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (version == 4) {
        arena_cap = size;  /* (no name is longer than what follows it, rebuilt or not: grown when needed) */
        out->arena = PyMem_Malloc((size_t)arena_cap);
        if (out->arena == NULL) {
            free_entries(out);
            PyErr_NoMemory();
            return -1;
        }
    }
    at = p + 12;
    end = p + size - 20;
    for (n = 0; n < count; n++) {
        uint16_t flags;
        Py_ssize_t fixed = 62, len;
        const unsigned char *name, *nul;
        index_entry *e = &out->entries[n];
        if (end - at < 62 + (version == 4 ? 2 : 1))
            goto unsupported;
        flags = (uint16_t)((at[60] << 8) | at[61]);
        if (flags & 0x3000)  /* a stage of an unmerged path */
            goto unsupported;
        if (flags & 0x4000) {  /* extended flags (v3 and later): skip-worktree, intent-to-add */
            if (version < 3 || ((at[62] << 8) | at[63]) != 0)
                goto unsupported;
            fixed = 64;
        }
        e->mode = be32(at + 24);
        e->oid = at + 40;
        if ((e->mode & 0170000) != 0100000 && (e->mode & 0170000) != 0120000 && (e->mode & 0170000) != 0160000)
            goto unsupported;  /* (a sparse index's directory, or anything else no file) */
        name = at + fixed;
        if (version == 4) {  /* git's varint: how many bytes of the previous name to drop; then the rest, NUL-ended */
            const unsigned char *v = name;
            uint64_t drop;
            if (v >= end)
                goto unsupported;
            drop = *v & 127;
            while (*v & 128) {
                if (++v >= end || drop > ((uint64_t)1 << 40))
                    goto unsupported;
                drop = ((drop + 1) << 7) | (*v & 127);
            }
            v++;
            if (v >= end || drop > (uint64_t)prev_len)
                goto unsupported;
            nul = memchr(v, 0, (size_t)(end - v));
            if (nul == NULL)
                goto unsupported;
            len = prev_len - (Py_ssize_t)drop + (nul - v);
            if (arena_len + len > arena_cap) {
                /* names keep pointing into the arena: rebase them after growing it */
                Py_ssize_t cap = 2 * (arena_cap + len);
                char *grown = PyMem_Realloc(out->arena, (size_t)cap), *old = out->arena;
                uint32_t k;
                if (grown == NULL) {
                    free_entries(out);
                    PyErr_NoMemory();
                    return -1;
                }
                for (k = 0; k < n; k++)
                    out->entries[k].name = grown + (out->entries[k].name - old);
                if (prev != NULL)
                    prev = grown + (prev - old);
                out->arena = grown;
                arena_cap = cap;
            }
            {
                char *dest = out->arena + arena_len;
                Py_ssize_t kept = prev_len - (Py_ssize_t)drop;
                if (kept > 0)
                    memcpy(dest, prev, (size_t)kept);
                memcpy(dest + kept, v, (size_t)(nul - v));
                e->name = dest;
                arena_len += len;
            }
            at = nul + 1;
        } else {
            nul = memchr(name, 0, (size_t)(end - name));
            if (nul == NULL)
                goto unsupported;
            len = nul - name;
            e->name = (const char *)name;
            at += (fixed + len + 8) & ~(Py_ssize_t)7;  /* NUL-padded to a multiple of 8 */
            if (at > end)
                goto unsupported;
        }
        e->len = len;
        if (len == 0)
            goto unsupported;
        if (prev != NULL) {  /* strictly ascending (one stage of each path: the order the merge relies on) */
            Py_ssize_t m = prev_len < len ? prev_len : len;
            int c = memcmp(prev, e->name, (size_t)m);
            if (c > 0 || (c == 0 && prev_len >= len))
                goto unsupported;
        }
        prev = e->name;
        prev_len = len;
    }
    while (at < end) {  /* the extensions: none that says some entries are elsewhere */
        uint32_t ext_size;
        if (end - at < 8)
            goto unsupported;
        if (memcmp(at, "link", 4) == 0 || memcmp(at, "sdir", 4) == 0)
            goto unsupported;
        ext_size = be32(at + 4);
        if ((uint64_t)ext_size > (uint64_t)(end - at - 8))
            goto unsupported;
        at += 8 + ext_size;
    }
    out->count = count;
    return 1;
unsupported:
    free_entries(out);
    return 0;
}

/* Adds path -> (mode, blob id) of *e* to *records* (mode as git prints it: b"100644"; the blob id in hex). */
static int
add_record(PyObject *records, const index_entry *e)
{
    static const char digits[] = "0123456789abcdef";
    char hex[40], mode[16];
    int i, ok;
    PyObject *path, *value;
    for (i = 0; i < 20; i++) {
        hex[2 * i] = digits[e->oid[i] >> 4];
        hex[2 * i + 1] = digits[e->oid[i] & 15];
    }
    snprintf(mode, sizeof mode, "%06o", (unsigned)e->mode);
    path = PyUnicode_DecodeUTF8(e->name, e->len, "surrogateescape");
    if (path == NULL)
        return -1;
    value = Py_BuildValue("(y#s#)", mode, (Py_ssize_t)strlen(mode), hex, (Py_ssize_t)40);
    if (value == NULL) {
        Py_DECREF(path);
        return -1;
    }
    ok = PyDict_SetItem(records, path, value);
    Py_DECREF(path);
    Py_DECREF(value);
    return ok;
}

static PyObject *
fastread_index_diff(PyObject *self, PyObject *args)
{
    Py_buffer old_index, new_index;
    index_entries a = {0}, b = {0};
    PyObject *old_only = NULL, *new_only = NULL, *result = NULL;
    Py_ssize_t i = 0, j = 0;
    int ok;
    if (!PyArg_ParseTuple(args, "y*y*", &old_index, &new_index))
        return NULL;
    ok = parse_index(old_index.buf, old_index.len, &a);
    if (ok == 1)
        ok = parse_index(new_index.buf, new_index.len, &b);
    if (ok <= 0) {
        result = ok < 0 ? NULL : Py_NewRef(Py_None);
        goto done;
    }
    old_only = PyDict_New();
    new_only = PyDict_New();
    if (old_only == NULL || new_only == NULL)
        goto done;
    while (i < a.count || j < b.count) {
        int c;
        if (i == a.count)
            c = 1;
        else if (j == b.count)
            c = -1;
        else {
            const index_entry *x = &a.entries[i], *y = &b.entries[j];
            Py_ssize_t m = x->len < y->len ? x->len : y->len;
            c = memcmp(x->name, y->name, (size_t)m);
            if (c == 0)
                c = x->len == y->len ? 0 : (x->len < y->len ? -1 : 1);
        }
        if (c == 0) {
            const index_entry *x = &a.entries[i++], *y = &b.entries[j++];
            if (x->mode != y->mode || memcmp(x->oid, y->oid, 20) != 0) {
                if (add_record(old_only, x) < 0 || add_record(new_only, y) < 0)
                    goto done;
            }
        } else if (c < 0) {
            if (add_record(old_only, &a.entries[i++]) < 0)
                goto done;
        } else if (add_record(new_only, &b.entries[j++]) < 0)
            goto done;
    }
    result = PyTuple_Pack(2, old_only, new_only);
done:
    free_entries(&a);
    free_entries(&b);
    Py_XDECREF(old_only);
    Py_XDECREF(new_only);
    PyBuffer_Release(&old_index);
    PyBuffer_Release(&new_index);
    return result;
}

static PyMethodDef methods[] = {
    {"read", fastread_read, METH_VARARGS,
     "read(path, trusted) -> (data, tag line, line, flags, more tags, MODULE_LICENSE strings) or None"},
    {"index_diff", fastread_index_diff, METH_VARARGS,
     "index_diff(old_index, new_index) -> (old records, new records) or None: path -> (mode, blob id) of the "
     "entries of two git indexes (SHA-1) that the other does not hold, or None where git should judge"},
    {"find_sorted", fastread_find_sorted, METH_VARARGS,
     "find_sorted(paths, path_starts, keys, key_starts, queries) -> (positions, keys): each query's (str, as "
     "os.fsencode encodes it, or bytes) position in an index cache's raw path column (bytes joined by NUL, and "
     "uint64 starts; -1: absent) and the entry of its key column there (None)"},
    {"index_stats", fastread_index_stats, METH_VARARGS,
     "index_stats(index, staged) -> (stats: 10 words an entry, latest mtime) or None: what git's index recorded"},
    {"parse_git", fastread_parse_git, METH_VARARGS,
     "parse_git(piece, dirty) -> (paths, keys, flags, special): ls-files -s -z records as columns"},
    {"read_columns", fastread_read_columns, METH_VARARGS,
     "read_columns(base, paths, flags, shared, exempt, table[, stats]) -> (status, exprs, lines, findings, pending, "
     "heads, edited)"},
    {"configure_notices", fastread_configure_notices, METH_VARARGS,
     "configure_notices(untagged words, tagged words, untagged bytes, tagged bytes): the notice-candidate test"},
    {"notice_candidate", fastread_notice_candidate, METH_VARARGS, "notice_candidate(data, tagged) -> bool"},
    {"name_key", fastread_name_key, METH_VARARGS, "name_key(path, prefixes) -> (extension, named): what style_of looks at"},
    {"scan", fastread_scan, METH_VARARGS, "scan(head) -> (tag line, line, flags, more tags, MODULE_LICENSE strings of a body)"},
    {"configure", fastread_configure, METH_VARARGS,
     "configure(head_bytes, max_head_bytes, max_body_bytes, head_search, max_lines)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastread", "The per-file part of a cold scan, in C (optional).", -1, methods,
};

PyMODINIT_FUNC
PyInit__fastread(void)
{
#ifdef HAVE_AVX2_SEARCH
    __builtin_cpu_init();
    avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
#endif
    return PyModule_Create(&module);
}
