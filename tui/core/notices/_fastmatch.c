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
    uint32_t *counts;  /* per rule, during a scan (zero between scans) */
    uint32_t *touched; /* the rules counted, during a scan */
    int busy;          /* a scan is using counts and touched (another one, re-entered, takes its own) */
} Scanner;

static void Scanner_dealloc(Scanner *self) {
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

/* Scanner(seeds, short, singles, pairs, lengths, n_seeds, k, max_postings, max_candidates):
 * seeds and short are the index's dicts; singles the ids of the one-word short rules; pairs a list of
 * (first id, second id, tuple of lengths); lengths and n_seeds per rule. */
static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwargs) {
    PyObject *seeds, *shorts, *singles, *pairs, *lengths, *n_seeds;
    if (!PyArg_ParseTuple(args, "O!O!OO!OOnnn", &PyDict_Type, &seeds, &PyDict_Type, &shorts, &singles,
                          &PyList_Type, &pairs, &lengths, &n_seeds, &self->k, &self->max_postings,
                          &self->max_candidates))
        return -1;
    if (self->seeds.slots != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "a Scanner is initialised once");
        return -1;
    }
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

/* scan(ids) -> (shorts, ranked, where): the short rules found, as (rule, start, end) in match.py's
 * order; the candidate rules (at least 30% of their seeds hit), best first, at most max_candidates;
 * the K-gram keys of the comment that are seeds -> the positions they are at. */
static PyObject *Scanner_scan(Scanner *self, PyObject *arg) {
    Py_ssize_t n = 0;
    uint32_t *ids = u32_array(arg, &n);
    if (ids == NULL)
        return NULL;
    PyObject *shorts = PyList_New(0), *where = PyDict_New(), *ranked_list = NULL, *result = NULL;
    Ranked *ranked = NULL;
    Py_ssize_t n_touched = 0;
    uint32_t *counts = self->counts, *touched = self->touched;
    int own = self->busy; /* re-entered (a finalizer run by the collector, another thread): own buffers */
    if (own) {
        counts = PyMem_Calloc(self->n_rules ? self->n_rules : 1, sizeof(uint32_t));
        touched = PyMem_Malloc((self->n_rules ? self->n_rules : 1) * sizeof(uint32_t));
        if (counts == NULL || touched == NULL) {
            PyMem_Free(counts);
            PyMem_Free(touched);
            PyMem_Free(ids);
            return PyErr_NoMemory();
        }
    } else {
        self->busy = 1;
    }
    if (shorts == NULL || where == NULL)
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
        int64_t key = tuple_hash(&ids[i], self->k);
        Slot *seed = table_find(&self->seeds, (uint64_t)key);
        if (seed == NULL)
            continue;
        PyObject *key_object = PyLong_FromLongLong(key), *at = PyLong_FromSsize_t(i);
        if (key_object == NULL || at == NULL) {
            Py_XDECREF(key_object);
            Py_XDECREF(at);
            goto done;
        }
        PyObject *positions = PyDict_GetItemWithError(where, key_object);
        int failed;
        if (positions != NULL) {
            failed = PyList_Append(positions, at);
            Py_DECREF(key_object);
            Py_DECREF(at);
            if (failed < 0)
                goto done;
            continue; /* a repeated K-gram counts once */
        }
        if (PyErr_Occurred()) {
            Py_DECREF(key_object);
            Py_DECREF(at);
            goto done;
        }
        positions = PyList_New(1);
        if (positions == NULL) {
            Py_DECREF(key_object);
            Py_DECREF(at);
            goto done;
        }
        PyList_SET_ITEM(positions, 0, at);
        failed = PyDict_SetItem(where, key_object, positions);
        Py_DECREF(positions);
        Py_DECREF(key_object);
        if (failed < 0)
            goto done;
        uint32_t count = seed->b & 0x7FFFFFFFu;
        if (!(seed->b & 0x80000000u)) {
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
    ranked_list = PyList_New(n_ranked);
    if (ranked_list == NULL)
        goto done;
    for (Py_ssize_t r = 0; r < n_ranked; r++) {
        PyObject *rule = PyLong_FromUnsignedLong(ranked[r].rule);
        if (rule == NULL)
            goto done;
        PyList_SET_ITEM(ranked_list, r, rule);
    }
    result = PyTuple_Pack(3, shorts, ranked_list, where);

done:
    if (own) {
        PyMem_Free(counts);
        PyMem_Free(touched);
    } else {
        for (Py_ssize_t t = 0; t < n_touched; t++)
            counts[touched[t]] = 0;
        self->busy = 0;
    }
    PyMem_Free(ranked);
    PyMem_Free(ids);
    Py_XDECREF(shorts);
    Py_XDECREF(where);
    Py_XDECREF(ranked_list);
    return result;
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
     "scan(ids) -> (shorts, ranked, where): the short rules, candidate rules and seed positions"},
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
