/* The seed and short-rule loops of the licence-notice matcher (tui/core/notices/match.py) in C.
 *
 * find_matches() looks up every word, pair of words and K-gram of a comment in the rule index's
 * dicts: a million dict lookups and tuple hashes for the kernel's notices, most of the matcher's
 * time in Python. A Scanner copies those dicts once into flat open-addressing tables and does the
 * same loops over a comment's token ids: the same short-rule matches in the same order, the same
 * seed hit counts (with the same MAX_POSTINGS cut), the same ranking of the candidate rules.
 *
 * The keys are the index's own: a K-gram's key is Python's hash of the tuple of its token ids
 * (match.py checks gram_hash() against hash() before it uses a Scanner); token ids are CRC-32s, so
 * an id is its own hash. Optional: match.py does the same in Python where this is not compiled.
 */

#define _GNU_SOURCE /* memmem */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Python's tuple hash (Objects/tupleobject.c, 3.8 and later, 64-bit) of a tuple of ints below 2**61 */
#define XXPRIME_1 ((uint64_t)11400714785074694791ULL)
#define XXPRIME_2 ((uint64_t)14029467366897019727ULL)
#define XXPRIME_5 ((uint64_t)2870177450012600261ULL)
#define XXROTATE(x) ((x << 31) | (x >> 33))

static int64_t tuple_hash(const uint32_t *items, Py_ssize_t len) {
    uint64_t acc = XXPRIME_5;
    for (Py_ssize_t i = 0; i < len; i++) {
        acc += (uint64_t)items[i] * XXPRIME_2;
        acc = XXROTATE(acc);
        acc *= XXPRIME_1;
    }
    acc += (uint64_t)len ^ (XXPRIME_5 ^ 3527539UL);
    if (acc == (uint64_t)-1)
        return 1546275796;
    return (int64_t)acc;
}

/* An open-addressing table from a 64-bit key to two 32-bit values; a slot with used == 0 is empty. */
typedef struct {
    uint64_t key;
    uint32_t a, b;
    uint32_t used;
} Slot;

typedef struct {
    Slot *slots;
    uint64_t mask;
} Table;

static uint64_t mix(uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return key;
}

static int table_init(Table *t, Py_ssize_t entries) {
    uint64_t size = 16;
    while (size < (uint64_t)entries * 2)
        size <<= 1;
    t->slots = PyMem_Calloc(size, sizeof(Slot));
    t->mask = size - 1;
    if (t->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static Slot *table_find(const Table *t, uint64_t key) {
    uint64_t i = mix(key) & t->mask;
    while (t->slots[i].used) {
        if (t->slots[i].key == key)
            return &t->slots[i];
        i = (i + 1) & t->mask;
    }
    return NULL;
}

#define SEED_FILTER_BITS 20
#define SHORT_FILTER_BITS 18
#define PAIR_FILTER_BITS 18

static int filter_has(const uint64_t *filter, int bits, uint64_t key) {
    uint64_t h = mix(key) >> (64 - bits);
    return (filter[h >> 6] >> (h & 63)) & 1;
}

static void filter_add(uint64_t *filter, int bits, uint64_t key) {
    uint64_t h = mix(key) >> (64 - bits);
    filter[h >> 6] |= (uint64_t)1 << (h & 63);
}

static Slot *table_add(Table *t, uint64_t key) {
    uint64_t i = mix(key) & t->mask;
    while (t->slots[i].used) {
        if (t->slots[i].key == key)
            return &t->slots[i];
        i = (i + 1) & t->mask;
    }
    t->slots[i].used = 1;
    t->slots[i].key = key;
    return &t->slots[i];
}

typedef struct {
    PyObject_HEAD
    Py_ssize_t k, n_rules, max_postings, max_candidates;
    Table seeds;   /* K-gram key -> postings[a : a + b] */
    Table shorts;  /* key of a short rule's token tuple -> rule a */
    Table singles; /* token id of a one-word short rule -> (present) */
    Table pairs;   /* first two token ids -> lengths[a : a + b] of the short rules they start */
    /* a bit per hash of the keys of seeds and pairs (mix(key) >> FILTER_SHIFT): most K-grams and pairs of a
     * comment are no key, and these fit in a cache where the tables do not */
    uint64_t *seed_filter, *pair_filter, *short_filter;
    uint32_t *postings, *pair_lengths, *lengths, *n_seeds;
    unsigned char *min_cov; /* per rule: its minimum coverage (Index.min_cov), for scan(ids, True) */
    PyObject **rule_texts;  /* per rule: its rule_text(), once made */
    /* the index's arrays, shared (not copied): tokens/offsets ('I'), seed_keys ('q'), seed_positions ('H'),
     * seed_offsets ('I') */
    Py_buffer tokens, offsets, seed_keys, seed_positions, seed_offsets;
    Table letters;     /* token id of a rule -> its letter (a): see Index.rule_text */
    uint32_t *counts;  /* per rule, during a scan (zero between scans) */
    uint32_t *touched; /* the rules counted, during a scan */
    int busy;          /* a scan is using counts and touched (another one, re-entered, takes its own) */
} Scanner;

static void Scanner_dealloc(Scanner *self) {
    Py_buffer *buffers[] = {&self->tokens, &self->offsets, &self->seed_keys, &self->seed_positions, &self->seed_offsets};
    for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++)
        if (buffers[i]->obj != NULL)
            PyBuffer_Release(buffers[i]);
    PyMem_Free(self->letters.slots);
    PyMem_Free(self->seeds.slots);
    PyMem_Free(self->shorts.slots);
    PyMem_Free(self->singles.slots);
    PyMem_Free(self->pairs.slots);
    PyMem_Free(self->seed_filter);
    PyMem_Free(self->pair_filter);
    PyMem_Free(self->short_filter);
    PyMem_Free(self->postings);
    PyMem_Free(self->pair_lengths);
    PyMem_Free(self->lengths);
    PyMem_Free(self->n_seeds);
    PyMem_Free(self->min_cov);
    if (self->rule_texts != NULL)
        for (Py_ssize_t i = 0; i < self->n_rules; i++)
            Py_XDECREF(self->rule_texts[i]);
    PyMem_Free(self->rule_texts);
    PyMem_Free(self->counts);
    PyMem_Free(self->touched);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int as_u32(PyObject *value, uint32_t *out) {
    unsigned long long v = PyLong_AsUnsignedLongLong(value);
    if (v == (unsigned long long)-1 && PyErr_Occurred())
        return -1;
    if (v > 0xFFFFFFFFULL) {
        PyErr_SetString(PyExc_OverflowError, "a value above 2**32");
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* A sequence of ints as a new uint32 array of its length (*len). */
static uint32_t *u32_array(PyObject *seq, Py_ssize_t *len) {
    if (PyBytes_Check(seq) || (PyObject_CheckBuffer(seq) && !PyList_Check(seq) && !PyTuple_Check(seq))) {
        /* an array('I'), or its bytes (comment_ids's ids) */
        Py_buffer view;
        if (PyObject_GetBuffer(seq, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
            return NULL;
        const char *format = view.format != NULL ? view.format : "B";
        if (PyBytes_Check(seq) && view.len % 4) {
            PyBuffer_Release(&view);
            PyErr_SetString(PyExc_ValueError, "the bytes of 32-bit ids");
            return NULL;
        }
        if (!PyBytes_Check(seq) && !(view.itemsize == 4 && (strcmp(format, "I") == 0 || strcmp(format, "L") == 0))) {
            PyBuffer_Release(&view); /* another array: read as a sequence of ints */
            goto sequence;
        }
        uint32_t *out = PyMem_Malloc(view.len ? view.len : 1);
        if (out == NULL) {
            PyBuffer_Release(&view);
            PyErr_NoMemory();
            return NULL;
        }
        memcpy(out, view.buf, view.len);
        *len = view.len / (Py_ssize_t)sizeof(uint32_t);
        PyBuffer_Release(&view);
        return out;
    }
sequence:;
    PyObject *fast = PySequence_Fast(seq, "a sequence of ints");
    if (fast == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    uint32_t *out = PyMem_Malloc((n ? n : 1) * sizeof(uint32_t));
    if (out == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return NULL;
    }
    PyObject **items = PySequence_Fast_ITEMS(fast);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (as_u32(items[i], &out[i]) < 0) {
            PyMem_Free(out);
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    *len = n;
    return out;
}

/* A buffer of *obj* of items of *itemsize* bytes, held until the Scanner goes. */
static int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    if (view->itemsize != itemsize || view->ndim != 1) {
        PyBuffer_Release(view);
        view->obj = NULL;
        PyErr_SetString(PyExc_TypeError, "an array of another item size");
        return -1;
    }
    return 0;
}

#define ITEMS(view, type) ((const type *)(view).buf)
#define COUNT(view) ((view).len / (view).itemsize)

/* The letter (a code point) of the number-th token given one: as index._letter, past the surrogates. */
static uint32_t letter(uint64_t number) {
    number += 1;
    return (uint32_t)(number < 0xD800 ? number : number + 0x800);
}

/* Scanner(seeds, short, singles, pairs, lengths, n_seeds, tokens, offsets, seed_keys, seed_positions,
 * seed_offsets, k, max_postings, max_candidates, min_cov): seeds and short are the index's dicts; singles
 * the ids of the one-word short rules; pairs a list of (first id, second id, tuple of lengths); lengths and
 * n_seeds per rule; then the index's arrays; min_cov per rule. */
/* index.Packed, read through the buffers of its arrays: keys (int64), starts (uint32, n + 1), values (uint32),
 * lone (bytes, n) */
typedef struct {
    Py_buffer views[4];
    const int64_t *keys;
    const uint32_t *starts, *values;
    const unsigned char *lone;
    Py_ssize_t n, n_values;
} Packed;

static void packed_release(Packed *p) {
    for (int i = 0; i < 4; i++)
        if (p->views[i].obj != NULL)
            PyBuffer_Release(&p->views[i]);
}

static int packed_get(PyObject *tuple, Packed *p) {
    memset(p, 0, sizeof *p);
    static const Py_ssize_t sizes[4] = {8, 4, 4, 1};
    if (PyTuple_GET_SIZE(tuple) != 4) {
        PyErr_SetString(PyExc_TypeError, "packed: (keys, starts, values, lone)");
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(tuple, i), &p->views[i], PyBUF_SIMPLE) < 0 ||
            p->views[i].len % sizes[i] != 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "packed: arrays of the wrong item size");
            packed_release(p);
            return -1;
        }
    }
    p->keys = p->views[0].buf;
    p->starts = p->views[1].buf;
    p->values = p->views[2].buf;
    p->lone = p->views[3].buf;
    p->n = p->views[0].len / 8;
    p->n_values = p->views[2].len / 4;
    if (p->views[1].len / 4 != p->n + 1 || p->views[3].len != p->n || p->starts[0] != 0 ||
        p->starts[p->n] != (uint32_t)p->n_values) {
        PyErr_SetString(PyExc_ValueError, "packed: the arrays do not agree");
        packed_release(p);
        return -1;
    }
    for (Py_ssize_t i = 0; i < p->n; i++)
        if (p->starts[i] > p->starts[i + 1]) {
            PyErr_SetString(PyExc_ValueError, "packed: starts out of order");
            packed_release(p);
            return -1;
        }
    return 0;
}

static int Scanner_tables(Scanner *self, PyObject *seeds, PyObject *shorts, const Packed *ps, const Packed *pt,
                          PyObject *singles, PyObject *pairs);

static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwargs) {
    PyObject *seeds, *shorts, *singles, *pairs, *lengths, *n_seeds, *tokens, *offsets, *seed_keys, *seed_positions,
        *seed_offsets, *min_cov;
    if (self->seeds.slots != NULL || self->tokens.obj != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "a Scanner is initialised once");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "OOOO!OOOOOOOnnnO", &seeds, &shorts, &singles,
                          &PyList_Type, &pairs, &lengths, &n_seeds, &tokens, &offsets, &seed_keys, &seed_positions,
                          &seed_offsets, &self->k, &self->max_postings, &self->max_candidates, &min_cov))
        return -1;
    if (get_buffer(tokens, &self->tokens, 4) < 0 || get_buffer(offsets, &self->offsets, 4) < 0 ||
        get_buffer(seed_keys, &self->seed_keys, 8) < 0 || get_buffer(seed_positions, &self->seed_positions, 2) < 0 ||
        get_buffer(seed_offsets, &self->seed_offsets, 4) < 0)
        return -1;
    if (self->k < 1 || self->k > 64) {
        PyErr_SetString(PyExc_ValueError, "k out of range");
        return -1;
    }
    Py_ssize_t n_lengths = 0, n_counted = 0;
    if ((self->lengths = u32_array(lengths, &n_lengths)) == NULL)
        return -1;
    if ((self->n_seeds = u32_array(n_seeds, &n_counted)) == NULL)
        return -1;
    if (n_lengths != n_counted) {
        PyErr_SetString(PyExc_ValueError, "lengths and n_seeds differ in length");
        return -1;
    }
    self->n_rules = n_lengths;
    Py_ssize_t n_cov = 0;
    uint32_t *cov = u32_array(min_cov, &n_cov);
    if (cov == NULL)
        return -1;
    self->min_cov = PyMem_Malloc(n_lengths ? n_lengths : 1);
    self->rule_texts = PyMem_Calloc(n_lengths ? n_lengths : 1, sizeof(PyObject *));
    if (self->min_cov == NULL || self->rule_texts == NULL || n_cov != n_lengths) {
        PyMem_Free(cov);
        if (n_cov != n_lengths)
            PyErr_SetString(PyExc_ValueError, "min_cov and lengths differ in length");
        else
            PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n_lengths; i++)
        self->min_cov[i] = (unsigned char)(cov[i] > 100 ? 100 : cov[i]);
    PyMem_Free(cov);
    if (COUNT(self->offsets) != n_lengths + 1 || COUNT(self->seed_offsets) != n_lengths + 1 ||
        COUNT(self->seed_keys) != COUNT(self->seed_positions)) {
        PyErr_SetString(PyExc_ValueError, "the index's arrays do not agree");
        return -1;
    }
    const uint32_t *offset = ITEMS(self->offsets, uint32_t), *seed_offset = ITEMS(self->seed_offsets, uint32_t);
    for (Py_ssize_t rule = 0; rule < n_lengths; rule++) {
        if (offset[rule] > offset[rule + 1] || offset[rule + 1] > COUNT(self->tokens) ||
            seed_offset[rule] > seed_offset[rule + 1] || seed_offset[rule + 1] > COUNT(self->seed_keys)) {
            PyErr_SetString(PyExc_ValueError, "the index's offsets are out of range");
            return -1;
        }
    }

    /* a letter for each token id of the rules, in order of first appearance */
    const uint32_t *token = ITEMS(self->tokens, uint32_t);
    Py_ssize_t n_tokens = COUNT(self->tokens);
    uint64_t distinct = 0;
    if (table_init(&self->letters, 1 << 14) < 0)
        return -1;
    for (Py_ssize_t i = 0; i < n_tokens; i++) {
        uint64_t i_slot = mix(token[i]) & self->letters.mask;
        Slot *slots = self->letters.slots;
        while (slots[i_slot].used && slots[i_slot].key != token[i])
            i_slot = (i_slot + 1) & self->letters.mask;
        if (slots[i_slot].used)
            continue;
        if (letter(distinct) > 0x10FFFF) {
            PyErr_SetString(PyExc_ValueError, "more distinct tokens than letters");
            return -1;
        }
        slots[i_slot].used = 1;
        slots[i_slot].key = token[i];
        slots[i_slot].a = letter(distinct++);
        if (distinct * 2 > self->letters.mask) { /* grow: rehash into a table twice the size */
            Table bigger;
            if (table_init(&bigger, (Py_ssize_t)(self->letters.mask + 1)) < 0)
                return -1;
            for (uint64_t j = 0; j <= self->letters.mask; j++)
                if (slots[j].used)
                    *table_add(&bigger, slots[j].key) = slots[j];
            PyMem_Free(slots);
            self->letters = bigger;
        }
    }
    self->counts = PyMem_Calloc(n_lengths ? n_lengths : 1, sizeof(uint32_t));
    self->touched = PyMem_Malloc((n_lengths ? n_lengths : 1) * sizeof(uint32_t));
    if (self->counts == NULL || self->touched == NULL) {
        PyErr_NoMemory();
        return -1;
    }

    /* seeds: key -> rule or tuple of rules; a dict, or index.Packed's arrays (keys, starts, values, lone) */
    Packed packed_seeds, packed_shorts;
    int seeds_packed = PyTuple_Check(seeds), shorts_packed = PyTuple_Check(shorts);
    if ((!seeds_packed && !PyDict_Check(seeds)) || (!shorts_packed && !PyDict_Check(shorts))) {
        PyErr_SetString(PyExc_TypeError, "seeds and shorts: dicts, or packed (keys, starts, values, lone)");
        return -1;
    }
    if (seeds_packed && packed_get(seeds, &packed_seeds) < 0)
        return -1;
    if (shorts_packed && packed_get(shorts, &packed_shorts) < 0) {
        if (seeds_packed)
            packed_release(&packed_seeds);
        return -1;
    }
    int status = Scanner_tables(self, seeds, shorts, seeds_packed ? &packed_seeds : NULL,
                                shorts_packed ? &packed_shorts : NULL, singles, pairs);
    if (seeds_packed)
        packed_release(&packed_seeds);
    if (shorts_packed)
        packed_release(&packed_shorts);
    return status;
}

static int Scanner_tables(Scanner *self, PyObject *seeds, PyObject *shorts, const Packed *ps, const Packed *pt,
                          PyObject *singles, PyObject *pairs) {
    Py_ssize_t pos = 0, total = 0;
    PyObject *key, *value;
    Py_ssize_t n_seed_keys;
    if (ps != NULL) {
        total = ps->n_values;
        n_seed_keys = ps->n;
    } else {
        while (PyDict_Next(seeds, &pos, &key, &value))
            total += PyTuple_Check(value) ? PyTuple_GET_SIZE(value) : 1;
        n_seed_keys = PyDict_GET_SIZE(seeds);
    }
    if (table_init(&self->seeds, n_seed_keys) < 0)
        return -1;
    self->seed_filter = PyMem_Calloc((1 << SEED_FILTER_BITS) / 64, sizeof(uint64_t));
    self->pair_filter = PyMem_Calloc((1 << PAIR_FILTER_BITS) / 64, sizeof(uint64_t));
    self->short_filter = PyMem_Calloc((1 << SHORT_FILTER_BITS) / 64, sizeof(uint64_t));
    if (self->seed_filter == NULL || self->pair_filter == NULL || self->short_filter == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->postings = PyMem_Malloc((total ? total : 1) * sizeof(uint32_t));
    if (self->postings == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t used = 0;
    if (ps != NULL) {
        for (Py_ssize_t i = 0; i < ps->n; i++) {
            uint64_t k = (uint64_t)ps->keys[i];
            Slot *slot = table_add(&self->seeds, k);
            filter_add(self->seed_filter, SEED_FILTER_BITS, k);
            slot->a = (uint32_t)used;
            for (uint32_t j = ps->starts[i]; j < ps->starts[i + 1]; j++)
                self->postings[used++] = ps->values[j];
            slot->b = (uint32_t)(used - slot->a);
            if (ps->lone[i])
                slot->b |= 0x80000000u;
        }
    }
    pos = 0;
    while (ps == NULL && PyDict_Next(seeds, &pos, &key, &value)) {
        long long k = PyLong_AsLongLong(key);
        if (k == -1 && PyErr_Occurred())
            return -1;
        Slot *slot = table_add(&self->seeds, (uint64_t)k);
        filter_add(self->seed_filter, SEED_FILTER_BITS, (uint64_t)k);
        slot->a = (uint32_t)used;
        if (PyTuple_Check(value)) {
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(value); i++)
                if (as_u32(PyTuple_GET_ITEM(value, i), &self->postings[used++]) < 0)
                    return -1;
        } else if (as_u32(value, &self->postings[used++]) < 0) {
            return -1;
        }
        slot->b = (uint32_t)(used - slot->a);
        /* a lone rule is told apart from a tuple of one (never built, but kept exact): the high bit */
        if (!PyTuple_Check(value))
            slot->b |= 0x80000000u;
    }

    /* short: key -> rule */
    if (table_init(&self->shorts, pt != NULL ? pt->n : PyDict_GET_SIZE(shorts)) < 0)
        return -1;
    if (pt != NULL) {
        for (Py_ssize_t i = 0; i < pt->n; i++) {
            if (!pt->lone[i] || pt->starts[i + 1] != pt->starts[i] + 1) {
                PyErr_SetString(PyExc_ValueError, "shorts: one rule a key");
                return -1;
            }
            Slot *slot = table_add(&self->shorts, (uint64_t)pt->keys[i]);
            filter_add(self->short_filter, SHORT_FILTER_BITS, (uint64_t)pt->keys[i]);
            slot->a = pt->values[pt->starts[i]];
        }
    }
    pos = 0;
    while (pt == NULL && PyDict_Next(shorts, &pos, &key, &value)) {
        long long k = PyLong_AsLongLong(key);
        if (k == -1 && PyErr_Occurred())
            return -1;
        Slot *slot = table_add(&self->shorts, (uint64_t)k);
        filter_add(self->short_filter, SHORT_FILTER_BITS, (uint64_t)k);
        if (as_u32(value, &slot->a) < 0)
            return -1;
    }

    /* singles: ids */
    Py_ssize_t n_singles = 0;
    uint32_t *single_ids = u32_array(singles, &n_singles);
    if (single_ids == NULL)
        return -1;
    if (table_init(&self->singles, n_singles) < 0) {
        PyMem_Free(single_ids);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n_singles; i++)
        table_add(&self->singles, single_ids[i]);
    PyMem_Free(single_ids);

    /* pairs: (first, second, lengths) */
    Py_ssize_t n_pairs = PyList_GET_SIZE(pairs), n_pair_lengths = 0;
    for (Py_ssize_t i = 0; i < n_pairs; i++) {
        PyObject *item = PyList_GET_ITEM(pairs, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3 || !PyTuple_Check(PyTuple_GET_ITEM(item, 2))) {
            PyErr_SetString(PyExc_TypeError, "pairs: (first, second, lengths) tuples");
            return -1;
        }
        n_pair_lengths += PyTuple_GET_SIZE(PyTuple_GET_ITEM(item, 2));
    }
    if (table_init(&self->pairs, n_pairs) < 0)
        return -1;
    self->pair_lengths = PyMem_Malloc((n_pair_lengths ? n_pair_lengths : 1) * sizeof(uint32_t));
    if (self->pair_lengths == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    used = 0;
    for (Py_ssize_t i = 0; i < n_pairs; i++) {
        PyObject *item = PyList_GET_ITEM(pairs, i), *lens = PyTuple_GET_ITEM(item, 2);
        uint32_t first, second;
        if (as_u32(PyTuple_GET_ITEM(item, 0), &first) < 0 || as_u32(PyTuple_GET_ITEM(item, 1), &second) < 0)
            return -1;
        Slot *slot = table_add(&self->pairs, ((uint64_t)first << 32) | second);
        filter_add(self->pair_filter, PAIR_FILTER_BITS, ((uint64_t)first << 32) | second);
        slot->a = (uint32_t)used;
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(lens); j++)
            if (as_u32(PyTuple_GET_ITEM(lens, j), &self->pair_lengths[used++]) < 0)
                return -1;
        slot->b = (uint32_t)(used - slot->a);
    }
    return 0;
}

typedef struct {
    double weight;
    uint32_t length, rule;
    int64_t anchor; /* set once ranked: the candidate's anchor */
} Ranked;

/* The order of match.py's ranked.sort(reverse=True) on (weight, -length, rule). */
static int ranked_order(const void *left, const void *right) {
    const Ranked *a = left, *b = right;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    if (a->length != b->length)
        return a->length < b->length ? -1 : 1;
    return a->rule > b->rule ? -1 : (a->rule < b->rule ? 1 : 0);
}

static int append_triple(PyObject *list, Py_ssize_t a, Py_ssize_t b, Py_ssize_t c) {
    PyObject *item = Py_BuildValue("(nnn)", a, b, c);
    if (item == NULL)
        return -1;
    int failed = PyList_Append(list, item);
    Py_DECREF(item);
    return failed;
}

static int int64_order(const void *left, const void *right) {
    int64_t a = *(const int64_t *)left, b = *(const int64_t *)right;
    return a < b ? -1 : (a > b ? 1 : 0);
}

/* The letters of ids as a str (a token no rule has: U+0000, index.UNKNOWN). */
static PyObject *letters_of(const Table *letters, const uint32_t *ids, Py_ssize_t n) {
    Py_UCS4 *buffer = PyMem_Malloc((n ? n : 1) * sizeof(Py_UCS4));
    if (buffer == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        Slot *found = table_find(letters, ids[i]);
        buffer[i] = found != NULL ? found->a : 0;
    }
    PyObject *text = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buffer, n);
    PyMem_Free(buffer);
    return text;
}

/* The length of a longest common subsequence of a[0:m] and b[0:n] (what rapidfuzz's LCSseq.similarity
 * gives for their letters): Hyyro's bit-parallel algorithm, a bit of S for each token of a. */
static Py_ssize_t lcs_length(const uint32_t *a, Py_ssize_t m, const uint32_t *b, Py_ssize_t n) {
    if (m == 0 || n == 0)
        return 0;
    Py_ssize_t words = (m + 63) / 64;
    uint64_t size = 16;
    while (size < (uint64_t)m * 2)
        size <<= 1;
    /* the distinct tokens of a: slot -> its token and its match vector (vectors[k * words ...]) */
    uint32_t *keys = PyMem_Malloc(size * sizeof(uint32_t));
    int32_t *which = PyMem_Malloc(size * sizeof(int32_t));
    uint64_t *vectors = PyMem_Calloc((size_t)m * words + words, sizeof(uint64_t));
    if (keys == NULL || which == NULL || vectors == NULL) {
        PyMem_Free(keys);
        PyMem_Free(which);
        PyMem_Free(vectors);
        PyErr_NoMemory();
        return -1;
    }
    uint64_t *S = vectors + (size_t)m * words; /* all ones: set below */
    memset(which, 0xFF, size * sizeof(int32_t));
    int32_t distinct = 0;
    for (Py_ssize_t i = 0; i < m; i++) {
        uint64_t slot = mix(a[i]) & (size - 1);
        while (which[slot] >= 0 && keys[slot] != a[i])
            slot = (slot + 1) & (size - 1);
        if (which[slot] < 0) {
            which[slot] = distinct++;
            keys[slot] = a[i];
        }
        vectors[(size_t)which[slot] * words + i / 64] |= (uint64_t)1 << (i % 64);
    }
    for (Py_ssize_t w = 0; w < words; w++)
        S[w] = ~(uint64_t)0;
    for (Py_ssize_t j = 0; j < n; j++) {
        uint64_t slot = mix(b[j]) & (size - 1);
        while (which[slot] >= 0 && keys[slot] != b[j])
            slot = (slot + 1) & (size - 1);
        if (which[slot] < 0)
            continue; /* a token a lacks: S stays */
        const uint64_t *M = vectors + (size_t)which[slot] * words;
        uint64_t carry = 0;
        for (Py_ssize_t w = 0; w < words; w++) {
            uint64_t u = S[w] & M[w], x = S[w] + carry, c1 = x < carry;
            uint64_t sum = x + u, c2 = sum < u;
            carry = c1 | c2;
            S[w] = sum | (S[w] - u);
        }
    }
    Py_ssize_t length = 0;
    for (Py_ssize_t w = 0; w < words; w++) {
        uint64_t zeros = ~S[w];
        if (w == words - 1 && m % 64)
            zeros &= ((uint64_t)1 << (m % 64)) - 1;
        length += __builtin_popcountll(zeros);
    }
    PyMem_Free(keys);
    PyMem_Free(which);
    PyMem_Free(vectors);
    return length;
}

typedef struct {
    Py_ssize_t bound, quality;
    uint32_t rule;
    Py_ssize_t w0, w1;
} Scored;

/* match.find_matches's order: the better quality (2 * bound - length) first, then the lower rule */
static int scored_order(const void *left, const void *right) {
    const Scored *a = left, *b = right;
    if (a->quality != b->quality)
        return a->quality > b->quality ? -1 : 1;
    return a->rule < b->rule ? -1 : (a->rule > b->rule ? 1 : 0);
}

static Py_ssize_t required_coverage(Py_ssize_t length, Py_ssize_t minimum) {
    if (length < 12)
        return 100;
    Py_ssize_t floor = length < 40 ? 80 : 70;
    return minimum > floor ? minimum : floor;
}

/* scan(ids) -> (shorts, candidates, text): the short rules found, as (rule, start, end) in match.py's
 * order; the candidate rules (at least 30% of their seeds hit), best first, at most max_candidates,
 * each as (rule, anchor): the median of the comment positions its seeds found imply for its start;
 * and the comment as a str of the rules' letters (rule_text). */
static PyObject *Scanner_scan(Scanner *self, PyObject *args) {
    PyObject *arg;
    int scored_form = 0;
    if (!PyArg_ParseTuple(args, "O|p", &arg, &scored_form))
        return NULL;
    Py_ssize_t n = 0;
    uint32_t *ids = u32_array(arg, &n);
    if (ids == NULL)
        return NULL;
    Scored *scored = NULL;
    PyObject *shorts = PyList_New(0), *candidates = NULL, *text = NULL, *result = NULL;
    Ranked *ranked = NULL;
    int64_t *implied = NULL;
    Py_ssize_t n_touched = 0;
    /* where: seed key -> the positions it is at, as a chain: first[slot] -> position, next_at[position] */
    Table where = {NULL, 0};
    int32_t *next_at = PyMem_Malloc((n ? n : 1) * sizeof(int32_t));
    uint32_t *counts = self->counts, *touched = self->touched;
    int own = self->busy; /* re-entered (a finalizer run by the collector, another thread): own buffers */
    if (own) {
        counts = PyMem_Calloc(self->n_rules ? self->n_rules : 1, sizeof(uint32_t));
        touched = PyMem_Malloc((self->n_rules ? self->n_rules : 1) * sizeof(uint32_t));
    } else {
        self->busy = 1;
    }
    if (counts == NULL || touched == NULL || next_at == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (shorts == NULL || table_init(&where, n) < 0)
        goto done;

    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t first = ids[i];
        if (table_find(&self->singles, first) != NULL) {
            Slot *rule = table_find(&self->shorts, (uint64_t)tuple_hash(&ids[i], 1));
            if (rule != NULL && append_triple(shorts, rule->a, i, i + 1) < 0)
                goto done;
        }
        if (i + 1 == n)
            break;
        uint64_t pair_key = ((uint64_t)first << 32) | ids[i + 1];
        Slot *pair = filter_has(self->pair_filter, PAIR_FILTER_BITS, pair_key) ? table_find(&self->pairs, pair_key) : NULL;
        if (pair == NULL)
            continue;
        for (uint32_t j = 0; j < pair->b; j++) {
            Py_ssize_t length = self->pair_lengths[pair->a + j];
            if (i + length > n)
                break;
            uint64_t short_key = (uint64_t)tuple_hash(&ids[i], length);
            Slot *rule = filter_has(self->short_filter, SHORT_FILTER_BITS, short_key)
                             ? table_find(&self->shorts, short_key) : NULL;
            if (rule != NULL && append_triple(shorts, rule->a, i, i + length) < 0)
                goto done;
        }
    }

    Py_ssize_t visited = 0;
    for (Py_ssize_t i = 0; i + self->k <= n; i++) {
        uint64_t key = (uint64_t)tuple_hash(&ids[i], self->k);
        Slot *seed = filter_has(self->seed_filter, SEED_FILTER_BITS, key) ? table_find(&self->seeds, key) : NULL;
        if (seed == NULL)
            continue;
        next_at[i] = -1;
        Slot *positions = table_find(&where, key);
        if (positions != NULL) { /* a repeated K-gram counts once */
            next_at[positions->b] = (int32_t)i;
            positions->b = (uint32_t)i;
            continue;
        }
        positions = table_add(&where, key);
        positions->a = positions->b = (uint32_t)i; /* first and last position */
        uint32_t count = seed->b & 0x7FFFFFFFu;
        if (!(seed->b & 0x80000000u)) { /* a tuple of rules */
            visited += count;
            if (visited > self->max_postings)
                break;
        }
        for (uint32_t j = 0; j < count; j++) {
            uint32_t rule = self->postings[seed->a + j];
            if (rule >= (uint32_t)self->n_rules)
                continue;
            if (counts[rule]++ == 0)
                touched[n_touched++] = rule;
        }
    }

    ranked = PyMem_Malloc((n_touched ? n_touched : 1) * sizeof(Ranked));
    if (ranked == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t n_ranked = 0;
    for (Py_ssize_t t = 0; t < n_touched; t++) {
        uint32_t rule = touched[t], hits = counts[rule], seeded = self->n_seeds[rule];
        if ((uint64_t)hits * 10 < (uint64_t)3 * seeded || seeded == 0)
            continue; /* under 30% of its seeds */
        uint32_t length = self->lengths[rule];
        double words = (double)((Py_ssize_t)length < n ? (Py_ssize_t)length : n);
        ranked[n_ranked].weight = (double)hits / (double)seeded * words;
        ranked[n_ranked].length = length;
        ranked[n_ranked].rule = rule;
        n_ranked++;
    }
    qsort(ranked, n_ranked, sizeof(Ranked), ranked_order);
    if (n_ranked > self->max_candidates)
        n_ranked = self->max_candidates;

    /* each candidate's anchor: the median of q - (its seed's position in the rule) over its seeds' hits */
    const uint32_t *seed_offset = ITEMS(self->seed_offsets, uint32_t);
    const int64_t *seed_key = ITEMS(self->seed_keys, int64_t);
    const uint16_t *seed_position = ITEMS(self->seed_positions, uint16_t);
    candidates = PyList_New(n_ranked);
    if (candidates == NULL)
        goto done;
    Py_ssize_t room = 0;
    for (Py_ssize_t r = 0; r < n_ranked; r++) {
        uint32_t rule = ranked[r].rule;
        Py_ssize_t m = 0;
        for (uint32_t s = seed_offset[rule]; s < seed_offset[rule + 1]; s++) {
            Slot *positions = table_find(&where, (uint64_t)seed_key[s]);
            if (positions == NULL)
                continue;
            for (int32_t q = (int32_t)positions->a;; q = next_at[q]) {
                if (m == room) {
                    room = room ? 2 * room : 64;
                    int64_t *grown = PyMem_Realloc(implied, room * sizeof(int64_t));
                    if (grown == NULL) {
                        PyErr_NoMemory();
                        goto done;
                    }
                    implied = grown;
                }
                implied[m++] = (int64_t)q - seed_position[s];
                if ((uint32_t)q == positions->b)
                    break;
            }
        }
        if (m == 0) { /* not reached: a candidate has a seed hit */
            PyErr_SetString(PyExc_RuntimeError, "a candidate without a seed hit");
            goto done;
        }
        qsort(implied, m, sizeof(int64_t), int64_order);
        PyObject *item = Py_BuildValue("(IL)", rule, (long long)implied[m / 2]);
        if (item == NULL)
            goto done;
        PyList_SET_ITEM(candidates, r, item);
        ranked[r].anchor = implied[m / 2];
    }
    if (scored_form) {
        /* match._scored: each candidate's LCS with its window of the comment, those that may cover enough */
        scored = PyMem_Malloc((n_ranked ? n_ranked : 1) * sizeof(Scored));
        if (scored == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        const uint32_t *offset = ITEMS(self->offsets, uint32_t), *token = ITEMS(self->tokens, uint32_t);
        Py_ssize_t n_scored = 0;
        for (Py_ssize_t r = 0; r < n_ranked; r++) {
            uint32_t rule = ranked[r].rule;
            Py_ssize_t length = self->lengths[rule], slack = length / 4 + 2, anchor = (Py_ssize_t)ranked[r].anchor;
            Py_ssize_t w0 = anchor - slack > 0 ? anchor - slack : 0;
            Py_ssize_t w1 = anchor + length + slack < n ? anchor + length + slack : n;
            if (w1 <= w0)
                continue;
            Py_ssize_t bound = lcs_length(token + offset[rule], offset[rule + 1] - offset[rule], ids + w0, w1 - w0);
            if (bound < 0)
                goto done;
            if (bound * 100 >= required_coverage(length, self->min_cov[rule]) * length) {
                Scored *item = &scored[n_scored++];
                item->bound = bound;
                item->quality = 2 * bound - length;
                item->rule = rule;
                item->w0 = w0;
                item->w1 = w1;
            }
        }
        qsort(scored, n_scored, sizeof(Scored), scored_order);
        Py_DECREF(candidates);
        candidates = PyList_New(n_scored);
        if (candidates == NULL)
            goto done;
        for (Py_ssize_t r = 0; r < n_scored; r++) {
            PyObject *item = Py_BuildValue("(nInn)", scored[r].bound, scored[r].rule, scored[r].w0, scored[r].w1);
            if (item == NULL)
                goto done;
            PyList_SET_ITEM(candidates, r, item);
        }
    }
    text = letters_of(&self->letters, ids, n);
    if (text == NULL)
        goto done;
    result = PyTuple_Pack(3, shorts, candidates, text);

done:
    if (own) {
        PyMem_Free(counts);
        PyMem_Free(touched);
    } else {
        if (counts != NULL)
            for (Py_ssize_t t = 0; t < n_touched; t++)
                counts[touched[t]] = 0;
        self->busy = 0;
    }
    PyMem_Free(where.slots);
    PyMem_Free(next_at);
    PyMem_Free(implied);
    PyMem_Free(ranked);
    PyMem_Free(scored);
    PyMem_Free(ids);
    Py_XDECREF(shorts);
    Py_XDECREF(candidates);
    Py_XDECREF(text);
    return result;
}

/* rule_text(rule) -> rule's tokens as a str of letters, as Index.rule_text (with this Scanner's letters). */
static PyObject *Scanner_rule_text(Scanner *self, PyObject *arg) {
    Py_ssize_t rule = PyLong_AsSsize_t(arg);
    if (rule == -1 && PyErr_Occurred())
        return NULL;
    if (rule < 0 || rule >= self->n_rules) {
        PyErr_SetString(PyExc_IndexError, "no such rule");
        return NULL;
    }
    if (self->rule_texts[rule] == NULL) {
        const uint32_t *offset = ITEMS(self->offsets, uint32_t);
        self->rule_texts[rule] = letters_of(&self->letters, ITEMS(self->tokens, uint32_t) + offset[rule],
                                            offset[rule + 1] - offset[rule]);
        if (self->rule_texts[rule] == NULL)
            return NULL;
    }
    Py_INCREF(self->rule_texts[rule]);
    return self->rule_texts[rule];
}

/* gram_hash(ids) -> the hash of tuple(ids) as computed here (match.py compares it with hash()). */
static PyObject *gram_hash(PyObject *module, PyObject *arg) {
    Py_ssize_t n = 0;
    uint32_t *ids = u32_array(arg, &n);
    if (ids == NULL)
        return NULL;
    int64_t hash = tuple_hash(ids, n);
    PyMem_Free(ids);
    return PyLong_FromLongLong(hash);
}

/* ---- a file's leading comments, read and tokenized in one pass (match.leading_comments, comment_ids) ----
 *
 * The same walk as match._leading_comments_python over the head's bytes: a line is cut at its "\n" (a
 * line's bytes decode on their own to the slice of the decoded head: "\n" is never inside a sequence).
 * An ASCII line is read as its bytes (the 1-byte kind of a str); a line with another byte is decoded
 * (utf-8, "replace") and read as that str, with Python's str.isspace() for its strip(). */

enum { STYLE_C = 0, STYLE_HASH = 1, STYLE_ANY = 2 };

typedef struct {
    int kind;           /* PyUnicode_1BYTE_KIND for an ASCII line (data: its bytes) */
    const void *data;
    Py_ssize_t len;
    PyObject *str;      /* the decoded line, when not ASCII; NULL for an ASCII one */
} Line;

#define CH(line, i) PyUnicode_READ((line)->kind, (line)->data, (i))

/* a comment line's text: line's [a, b), number; 0 goes on, 1 stops the walk, -1 an error */
typedef int (*Emit)(void *ctx, Py_ssize_t number, const Line *line, Py_ssize_t a, Py_ssize_t b);

static Py_ssize_t find_close(const Line *line, Py_ssize_t a, Py_ssize_t b) {
    if (line->str == NULL) {
        const char *p = (const char *)line->data;
        while (a + 1 < b) {
            const char *star = memchr(p + a, '*', (size_t)(b - 1 - a));
            if (star == NULL)
                return -1;
            a = star - p;
            if (p[a + 1] == '/')
                return a;
            a++;
        }
        return -1;
    }
    for (; a + 1 < b; a++)
        if (CH(line, a) == '*' && CH(line, a + 1) == '/')
            return a;
    return -1;
}

static int is_comment_mark(Py_UCS4 ch) {
    return ch == ';' || ch == '-' || ch == '%' || ch == '.' || ch == '!';
}

static int walk_comments(const char *head, Py_ssize_t size, int style, Py_ssize_t head_lines, Emit emit, void *ctx) {
    int in_block = 0, status = 0;
    Py_ssize_t number = 0, start = 0;
    while (number < head_lines && start <= size) {
        const char *newline = memchr(head + start, '\n', (size_t)(size - start));
        Py_ssize_t line_end = newline != NULL ? newline - head : size;
        Line line = {PyUnicode_1BYTE_KIND, head + start, line_end - start, NULL};
        for (Py_ssize_t i = start; i < line_end; i++) {
            if ((unsigned char)head[i] >= 0x80) {
                line.str = PyUnicode_DecodeUTF8(head + start, line_end - start, "replace");
                if (line.str == NULL)
                    return -1;
                line.kind = PyUnicode_KIND(line.str);
                line.data = PyUnicode_DATA(line.str);
                line.len = PyUnicode_GET_LENGTH(line.str);
                break;
            }
        }
        start = newline != NULL ? line_end + 1 : size + 1;
        number++;
        Py_ssize_t r = 0, rend = line.len; /* the rest of the line */
        int code = 0;
        for (;;) {
            if (in_block) {
                Py_ssize_t end = find_close(&line, r, rend);
                if (end < 0) {
                    status = emit(ctx, number, &line, r, rend);
                    break;
                }
                if ((status = emit(ctx, number, &line, r, end)) != 0)
                    break;
                in_block = 0;
                r = end + 2;
                continue;
            }
            Py_ssize_t a = r, b = rend;
            while (a < b && Py_UNICODE_ISSPACE(CH(&line, a)))
                a++;
            while (b > a && Py_UNICODE_ISSPACE(CH(&line, b - 1)))
                b--;
            if (a == b)
                break;
            Py_UCS4 first = CH(&line, a), second = b - a >= 2 ? CH(&line, a + 1) : 0;
            if (first == '/' && style != STYLE_HASH) {
                if (second == '*') {
                    in_block = 1;
                    r = a + 2;
                    rend = b;
                    continue;
                }
                if (second == '/') {
                    status = emit(ctx, number, &line, a + 2, b);
                    break;
                }
            } else if (first == '#') {
                if (style == STYLE_C)
                    break;
                if (second == '!' && number == 1)
                    break;
                status = emit(ctx, number, &line, a + 1, b);
                break;
            }
            if (style == STYLE_ANY && (first == ';' || first == '%' || first == '!' ||
                                       (first == '-' && second == '-') || (first == '.' && second == '.'))) {
                while (a < b && is_comment_mark(CH(&line, a)))
                    a++;
                status = emit(ctx, number, &line, a, b);
                break;
            }
            code = 1; /* the first line of code */
            break;
        }
        Py_XDECREF(line.str);
        if (status != 0 || code)
            return status < 0 ? -1 : 0;
    }
    return 0;
}

/* leading_comments(head, style, head_lines) -> [(number, text)]: as match._leading_comments_python. */
static int emit_line(void *ctx, Py_ssize_t number, const Line *line, Py_ssize_t a, Py_ssize_t b) {
    PyObject *text = line->str != NULL ? PyUnicode_Substring(line->str, a, b)
                                       : PyUnicode_DecodeASCII((const char *)line->data + a, b - a, NULL);
    if (text == NULL)
        return -1;
    PyObject *item = Py_BuildValue("(nN)", number, text);
    if (item == NULL)
        return -1;
    int failed = PyList_Append((PyObject *)ctx, item);
    Py_DECREF(item);
    return failed ? -1 : 0;
}

static PyObject *leading_comments(PyObject *module, PyObject *args) {
    Py_buffer head;
    int style;
    Py_ssize_t head_lines;
    if (!PyArg_ParseTuple(args, "y*in", &head, &style, &head_lines))
        return NULL;
    PyObject *out = PyList_New(0);
    if (out != NULL && memchr(head.buf, 0, (size_t)head.len) == NULL &&
        walk_comments(head.buf, head.len, style, head_lines, emit_line, out) < 0)
        Py_CLEAR(out);
    PyBuffer_Release(&head);
    return out;
}

/* zlib's CRC-32 (index.token_id) */
static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

#define CRC_STEP(crc, byte) (crc_table[((crc) ^ (byte)) & 0xFF] ^ ((crc) >> 8))

/* [A-Za-z0-9] as 1, its lower case as the value of lower[] */
static unsigned char ascii_word[256], ascii_lower[256];

static void ascii_init(void) {
    for (int c = 0; c < 256; c++) {
        ascii_lower[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        ascii_word[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
}

/* whether p[at:] starts with word (lower case, ASCII) ignoring case */
static int starts_ci(const unsigned char *p, Py_ssize_t n, Py_ssize_t at, const char *word) {
    for (; *word; word++, at++)
        if (at >= n || ascii_lower[p[at]] != (unsigned char)*word)
            return 0;
    return 1;
}

static Py_ssize_t find_ci(const unsigned char *p, Py_ssize_t n, const char *word) {
    for (Py_ssize_t at = 0; at < n; at++)
        if (ascii_lower[p[at]] == (unsigned char)word[0] && starts_ci(p, n, at, word))
            return at;
    return -1;
}

/* match._LICENCE_WORD.search on an ASCII line */
static int has_licence_word(const unsigned char *p, Py_ssize_t n) {
    static const char *const words[] = {"licenc", "licens", "gpl", "permission", "redistribut", "public domain",
                                        "free software", "warrant"};
    for (Py_ssize_t at = 0; at < n; at++) {
        unsigned char c = ascii_lower[p[at]];
        if (c != 'l' && c != 'g' && c != 'p' && c != 'r' && c != 'f' && c != 'w')
            continue;
        for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
            if (c == (unsigned char)words[w][0] && starts_ci(p, n, at, words[w]))
                return 1;
    }
    return 0;
}

/* match.line_ids's test on an ASCII line: _SKIPPED_LINE.search (its leftmost match: the tag at 0, the
 * copyright prefix, the tag further on) and, unless the match is spelled "SPDX...", no _LICENCE_WORD */
static int skipped_line(const unsigned char *p, Py_ssize_t n) {
    static const char tag[] = "spdx-license-identifier";
    Py_ssize_t at = starts_ci(p, n, 0, tag) ? 0 : -1;
    if (at < 0) {
        Py_ssize_t r = 0;
        while (r < n && !ascii_word[p[r]] && p[r] != '_')
            r++;
        if ((starts_ci(p, n, r, "copyright") && (r + 9 == n || (!ascii_word[p[r + 9]] && p[r + 9] != '_'))) ||
            (r >= 1 && p[r - 1] == '(' && r + 1 < n && ascii_lower[p[r]] == 'c' && p[r + 1] == ')'))
            return !has_licence_word(p, n);
        at = find_ci(p, n, tag);
        if (at < 0)
            return 0;
    }
    if (memcmp(p + at, "SPDX", 4) == 0)
        return 1;
    return !has_licence_word(p, n);
}

typedef struct {
    uint32_t *ids;
    Py_ssize_t n, room, max_tokens;
    PyObject *marks, *numbers, *line_ids;
} Tokens;

static int tokens_push(Tokens *t, uint32_t id) {
    if (t->n == t->room) {
        Py_ssize_t room = t->room ? 2 * t->room : 256;
        uint32_t *grown = PyMem_Realloc(t->ids, room * sizeof(uint32_t));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->ids = grown;
        t->room = room;
    }
    t->ids[t->n++] = id;
    return 0;
}

static int append_ssize(PyObject *list, Py_ssize_t value) {
    PyObject *item = PyLong_FromSsize_t(value);
    if (item == NULL)
        return -1;
    int failed = PyList_Append(list, item);
    Py_DECREF(item);
    return failed;
}

/* a comment line's token ids (match.line_ids: ScanCode's tokenizer, lower case, CRC-32s) appended; a
 * non-ASCII line through line_ids itself */
static int emit_ids(void *ctx, Py_ssize_t number, const Line *line, Py_ssize_t a, Py_ssize_t b) {
    Tokens *t = ctx;
    Py_ssize_t before = t->n;
    if (line->str != NULL) {
        PyObject *text = PyUnicode_Substring(line->str, a, b);
        if (text == NULL)
            return -1;
        PyObject *found = PyObject_CallOneArg(t->line_ids, text);
        Py_DECREF(text);
        if (found == NULL)
            return -1;
        PyObject *fast = PySequence_Fast(found, "line_ids gives a sequence");
        Py_DECREF(found);
        if (fast == NULL)
            return -1;
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(fast); i++) {
            uint32_t id;
            if (as_u32(PySequence_Fast_GET_ITEM(fast, i), &id) < 0 || tokens_push(t, id) < 0) {
                Py_DECREF(fast);
                return -1;
            }
        }
        Py_DECREF(fast);
    } else {
        const unsigned char *p = (const unsigned char *)line->data + a;
        Py_ssize_t n = b - a, i = 0;
        while (i < n && !ascii_word[p[i]])
            i++;
        if (i == n || skipped_line(p, n))
            return 0;
        while (i < n) {
            if (!ascii_word[p[i]]) {
                i++;
                continue;
            }
            uint32_t crc = 0xFFFFFFFFu;
            for (; i < n && ascii_word[p[i]]; i++)
                crc = CRC_STEP(crc, ascii_lower[p[i]]);
            if (i < n && p[i] == '+') {
                crc = CRC_STEP(crc, '+');
                for (i++; i < n && ascii_word[p[i]]; i++)
                    crc = CRC_STEP(crc, ascii_lower[p[i]]);
            }
            if (tokens_push(t, ~crc) < 0)
                return -1;
        }
    }
    if (t->n == before)
        return 0;
    if (append_ssize(t->marks, before) < 0 || append_ssize(t->numbers, number) < 0)
        return -1;
    if (t->n >= t->max_tokens) {
        t->n = t->max_tokens;
        return 1;
    }
    return 0;
}

/* comment_ids(head, style, head_lines, max_tokens, line_ids) -> (ids, key, marks, numbers): what
 * match.comment_ids(match.leading_comments(head)) gives, the ids as the bytes of an array('I'), and key
 * hash(tuple(ids)); None for a head with a NUL byte. */
static PyObject *comment_ids(PyObject *module, PyObject *args) {
    Py_buffer head;
    int style;
    Py_ssize_t head_lines, max_tokens;
    PyObject *line_ids, *result = NULL;
    if (!PyArg_ParseTuple(args, "y*innO", &head, &style, &head_lines, &max_tokens, &line_ids))
        return NULL;
    if (memchr(head.buf, 0, (size_t)head.len) != NULL) {
        PyBuffer_Release(&head);
        Py_RETURN_NONE;
    }
    Tokens t = {NULL, 0, 0, max_tokens < 0 ? 0 : max_tokens, PyList_New(0), PyList_New(0), line_ids};
    if (t.marks != NULL && t.numbers != NULL &&
        walk_comments(head.buf, head.len, style, head_lines, emit_ids, &t) == 0) {
        PyObject *ids = PyBytes_FromStringAndSize((const char *)t.ids, t.n * (Py_ssize_t)sizeof(uint32_t));
        if (ids != NULL)
            result = Py_BuildValue("(NLOO)", ids, (long long)tuple_hash(t.ids, t.n), t.marks, t.numbers);
    }
    PyBuffer_Release(&head);
    PyMem_Free(t.ids);
    Py_XDECREF(t.marks);
    Py_XDECREF(t.numbers);
    return result;
}

/* words_in(head, words) -> whether a word of words (lower-case bytes) is in head.lower(): as
 * candidates.has_licence_words. Lowered and searched a part at a time (its first 256 bytes, 4 KiB, all):
 * a notice is at the top, and most heads that need matching have a word in their first lines. */
static int words_in_lowered(const char *low, Py_ssize_t n, PyObject *words) {
    for (Py_ssize_t w = 0; w < PyTuple_GET_SIZE(words); w++) {
        PyObject *word = PyTuple_GET_ITEM(words, w);
        if (PyBytes_GET_SIZE(word) == 0 || memmem(low, (size_t)n, PyBytes_AS_STRING(word), (size_t)PyBytes_GET_SIZE(word)))
            return 1;
    }
    return 0;
}

static PyObject *words_in(PyObject *module, PyObject *args) {
    Py_buffer head;
    PyObject *words;
    if (!PyArg_ParseTuple(args, "y*O!", &head, &PyTuple_Type, &words))
        return NULL;
    for (Py_ssize_t w = 0; w < PyTuple_GET_SIZE(words); w++) {
        if (!PyBytes_Check(PyTuple_GET_ITEM(words, w))) {
            PyBuffer_Release(&head);
            PyErr_SetString(PyExc_TypeError, "words: a tuple of bytes");
            return NULL;
        }
    }
    const unsigned char *p = head.buf;
    Py_ssize_t n = head.len, done = 0;
    char *low = PyMem_Malloc(n ? n : 1);
    if (low == NULL) {
        PyBuffer_Release(&head);
        return PyErr_NoMemory();
    }
    int found = 0;
    for (Py_ssize_t part = 256; !found && done < n; part *= 16) {
        Py_ssize_t upto = part < n ? part : n;
        for (Py_ssize_t i = done; i < upto; i++)
            low[i] = (char)(p[i] + ((unsigned char)(p[i] - 'A') < 26 ? 32 : 0));
        done = upto;
        found = words_in_lowered(low, upto, words); /* from the start again: a word across the parts */
    }
    PyMem_Free(low);
    PyBuffer_Release(&head);
    return PyBool_FromLong(found);
}

static PyMethodDef Scanner_methods[] = {
    {"scan", (PyCFunction)Scanner_scan, METH_VARARGS,
     "scan(ids, scored=False) -> (shorts, candidates, text): the short rules, candidate rules and their anchors "
     "(scored: the candidates that may cover enough, as (lcs, rule, w0, w1), best first), the comment's letters"},
    {"rule_text", (PyCFunction)Scanner_rule_text, METH_O, "rule_text(rule) -> the rule's tokens as letters"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tui.core.notices._fastmatch.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The rule index's seed and short-rule tables, to scan a comment's token ids",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
};

static PyMethodDef module_methods[] = {
    {"gram_hash", gram_hash, METH_O, "gram_hash(ids) -> hash(tuple(ids)), computed in C"},
    {"words_in", words_in, METH_VARARGS, "words_in(head, words) -> whether a word of words is in head.lower()"},
    {"leading_comments", leading_comments, METH_VARARGS,
     "leading_comments(head, style, head_lines) -> [(number, text)]: the leading comment lines"},
    {"comment_ids", comment_ids, METH_VARARGS,
     "comment_ids(head, style, head_lines, max_tokens, line_ids) -> (ids, key, marks, numbers)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastmatch", "The licence-notice matcher's seed loops in C (see match.py).", -1,
    module_methods,
};

PyMODINIT_FUNC PyInit__fastmatch(void) {
    crc_init();
    ascii_init();
    if (PyType_Ready(&ScannerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
