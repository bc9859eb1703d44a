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
    uint32_t *postings, *pair_lengths, *lengths, *n_seeds;
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
    PyMem_Free(self->postings);
    PyMem_Free(self->pair_lengths);
    PyMem_Free(self->lengths);
    PyMem_Free(self->n_seeds);
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
 * seed_offsets, k, max_postings, max_candidates): seeds and short are the index's dicts; singles the
 * ids of the one-word short rules; pairs a list of (first id, second id, tuple of lengths); lengths and
 * n_seeds per rule; then the index's arrays. */
static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwargs) {
    PyObject *seeds, *shorts, *singles, *pairs, *lengths, *n_seeds, *tokens, *offsets, *seed_keys, *seed_positions,
        *seed_offsets;
    if (self->seeds.slots != NULL || self->tokens.obj != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "a Scanner is initialised once");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "O!O!OO!OOOOOOOnnn", &PyDict_Type, &seeds, &PyDict_Type, &shorts, &singles,
                          &PyList_Type, &pairs, &lengths, &n_seeds, &tokens, &offsets, &seed_keys, &seed_positions,
                          &seed_offsets, &self->k, &self->max_postings, &self->max_candidates))
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

    /* seeds: key -> rule or tuple of rules */
    Py_ssize_t pos = 0, total = 0;
    PyObject *key, *value;
    while (PyDict_Next(seeds, &pos, &key, &value))
        total += PyTuple_Check(value) ? PyTuple_GET_SIZE(value) : 1;
    if (table_init(&self->seeds, PyDict_GET_SIZE(seeds)) < 0)
        return -1;
    self->postings = PyMem_Malloc((total ? total : 1) * sizeof(uint32_t));
    if (self->postings == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t used = 0;
    pos = 0;
    while (PyDict_Next(seeds, &pos, &key, &value)) {
        long long k = PyLong_AsLongLong(key);
        if (k == -1 && PyErr_Occurred())
            return -1;
        Slot *slot = table_add(&self->seeds, (uint64_t)k);
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
    if (table_init(&self->shorts, PyDict_GET_SIZE(shorts)) < 0)
        return -1;
    pos = 0;
    while (PyDict_Next(shorts, &pos, &key, &value)) {
        long long k = PyLong_AsLongLong(key);
        if (k == -1 && PyErr_Occurred())
            return -1;
        Slot *slot = table_add(&self->shorts, (uint64_t)k);
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

/* scan(ids) -> (shorts, candidates, text): the short rules found, as (rule, start, end) in match.py's
 * order; the candidate rules (at least 30% of their seeds hit), best first, at most max_candidates,
 * each as (rule, anchor): the median of the comment positions its seeds found imply for its start;
 * and the comment as a str of the rules' letters (rule_text). */
static PyObject *Scanner_scan(Scanner *self, PyObject *arg) {
    Py_ssize_t n = 0;
    uint32_t *ids = u32_array(arg, &n);
    if (ids == NULL)
        return NULL;
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
        Slot *pair = table_find(&self->pairs, ((uint64_t)first << 32) | ids[i + 1]);
        if (pair == NULL)
            continue;
        for (uint32_t j = 0; j < pair->b; j++) {
            Py_ssize_t length = self->pair_lengths[pair->a + j];
            if (i + length > n)
                break;
            Slot *rule = table_find(&self->shorts, (uint64_t)tuple_hash(&ids[i], length));
            if (rule != NULL && append_triple(shorts, rule->a, i, i + length) < 0)
                goto done;
        }
    }

    Py_ssize_t visited = 0;
    for (Py_ssize_t i = 0; i + self->k <= n; i++) {
        uint64_t key = (uint64_t)tuple_hash(&ids[i], self->k);
        Slot *seed = table_find(&self->seeds, key);
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
    const uint32_t *offset = ITEMS(self->offsets, uint32_t);
    return letters_of(&self->letters, ITEMS(self->tokens, uint32_t) + offset[rule], offset[rule + 1] - offset[rule]);
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

static PyMethodDef Scanner_methods[] = {
    {"scan", (PyCFunction)Scanner_scan, METH_O,
     "scan(ids) -> (shorts, candidates, text): the short rules, candidate rules and their anchors, the comment's letters"},
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
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastmatch", "The licence-notice matcher's seed loops in C (see match.py).", -1,
    module_methods,
};

PyMODINIT_FUNC PyInit__fastmatch(void) {
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
