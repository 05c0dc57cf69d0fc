/* builder._yamldata: builder.load.parse_data's reading of valid entry files, in C.
 *
 * Reading the YAML of ten thousand entries through PyYAML's event objects is the
 * largest single cost of a cold build: PyYAML makes a Python object per event and
 * two per position mark, and our loop then looks at each. Here libyaml's events
 * are read directly and only the data is made, with the very rules of
 * builder.load.parse_data (which stays the reference, and the reader wherever
 * this module is not built):
 *
 *   - one document whose scalars resolve by the YAML 1.2 core schema: null,
 *     true/false, integers of at most 18 digits, decimal floats; everything else
 *     (and every quoted, block or tagged scalar) is a string;
 *   - keys are the plain text of a scalar, interned; strings of at most 40
 *     characters are interned (ids, dates and taxonomy values recur);
 *   - tags other than !, !!str, !!map and !!seq, anchors, aliases, a second
 *     document, a non-scalar key, a duplicate key, nesting deeper than 32, a
 *     control or bidirectional character in a scalar, and every syntax error are
 *     "unusual": load() returns UNUSUAL and the caller hands the text to
 *     builder.load.parse, which words and places the problem.
 *
 * Nothing here reports errors or raises for bad input: it either returns the
 * data parse_data would return, or UNUSUAL. A property test holds the two to
 * the same answers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <yaml.h>
#include <string.h>

#define MAX_DEPTH 32     /* builder.load.MAX_DEPTH */
#define INTERN_LIMIT 40  /* strings of at most this many characters are interned */

static PyObject *UNUSUAL;  /* the sentinel load() returns for "let parse() decide" */

/* A control or bidirectional character, as builder.load._BAD_CHARS: C0 controls but tab and
 * newline, DEL, C1 controls, U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069. libyaml hands
 * over valid UTF-8, so the multi-byte ones are matched by their encodings. */
static int
has_bad_char(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char b = s[i];
        if (b < 0x80) {
            if ((b < 0x20 && b != 0x09 && b != 0x0a) || b == 0x7f)
                return 1;
        } else if (b == 0xc2) {
            if (i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
                return 1;
        } else if (b == 0xd8) {
            if (i + 1 < n && s[i + 1] == 0x9c)
                return 1;
        } else if (b == 0xe2 && i + 2 < n) {
            unsigned char c = s[i + 1], d = s[i + 2];
            if (c == 0x80 && (d == 0x8e || d == 0x8f || (d >= 0xaa && d <= 0xae)))
                return 1;
            if (c == 0x81 && d >= 0xa6 && d <= 0xa9)
                return 1;
        }
    }
    return 0;
}

static int
tag_allowed(const yaml_char_t *tag)
{
    if (tag == NULL)
        return 1;
    const char *t = (const char *)tag;
    return strcmp(t, "!") == 0 || strcmp(t, "tag:yaml.org,2002:str") == 0
        || strcmp(t, "tag:yaml.org,2002:map") == 0 || strcmp(t, "tag:yaml.org,2002:seq") == 0;
}

static int
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* [-+]?[0-9]{1,18} as a whole: its value, or -1 in *ok when it is not one. */
static long long
as_int(const unsigned char *s, size_t n, int *ok)
{
    size_t i = 0;
    int negative = 0;
    long long v = 0;
    *ok = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        negative = s[i++] == '-';
    if (n - i < 1 || n - i > 18)
        return 0;
    for (; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *ok = 1;
    return negative ? -v : v;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? as a whole. */
static int
is_float(const unsigned char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit(s[i])) {
            i++;
            digits++;
        }
        if (!digits)
            return 0;
    } else {
        while (i < n && is_digit(s[i])) {
            i++;
            digits++;
        }
        if (!digits)
            return 0;
        if (i < n && s[i] == '.') {
            i++;
            while (i < n && is_digit(s[i]))
                i++;
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        while (i < n && is_digit(s[i])) {
            i++;
            exp_digits++;
        }
        if (!exp_digits)
            return 0;
    }
    return i == n;
}

static int
equals(const unsigned char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* A new str; interned when intern_always or when it has at most INTERN_LIMIT characters. */
static PyObject *
text(const unsigned char *s, size_t n, int intern_always)
{
    PyObject *str = PyUnicode_DecodeUTF8((const char *)s, (Py_ssize_t)n, "strict");
    if (str != NULL && (intern_always || PyUnicode_GET_LENGTH(str) <= INTERN_LIMIT))
        PyUnicode_InternInPlace(&str);
    return str;
}

/* A plain, untagged value by the core schema (a new reference), or NULL with a Python error set. */
static PyObject *
resolved(const unsigned char *s, size_t n)
{
    if (n == 0 || equals(s, n, "~") || equals(s, n, "null") || equals(s, n, "Null") || equals(s, n, "NULL"))
        Py_RETURN_NONE;
    if (equals(s, n, "true") || equals(s, n, "True") || equals(s, n, "TRUE"))
        Py_RETURN_TRUE;
    if (equals(s, n, "false") || equals(s, n, "False") || equals(s, n, "FALSE"))
        Py_RETURN_FALSE;
    if (s[0] == '+' || s[0] == '-' || s[0] == '.' || is_digit(s[0])) {
        int ok;
        long long v = as_int(s, n, &ok);
        if (ok)
            return PyLong_FromLongLong(v);
        if (n < 40 && is_float(s, n)) {  /* ASCII: its length in bytes is its length in characters */
            PyObject *str = PyUnicode_FromStringAndSize((const char *)s, (Py_ssize_t)n);
            if (str == NULL)
                return NULL;
            PyObject *f = PyFloat_FromString(str);  /* Python's own conversion, as float() */
            Py_DECREF(str);
            return f;
        }
    }
    return text(s, n, 0);
}

/* Phase one: libyaml's events, checked and copied into a compact list (no Python object is made
 * until the whole document has passed every check). */

enum { ITEM_SCALAR, ITEM_MAP, ITEM_SEQ, ITEM_END };

typedef struct {
    unsigned char kind;
    unsigned char is_key;   /* a scalar that is a mapping's key */
    unsigned char resolve;  /* a plain, untagged scalar: resolved by the core schema */
    size_t start, length;   /* a scalar's text in the arena */
} item;

typedef struct {
    item *items;
    size_t count, capacity;
    unsigned char *arena;   /* every scalar's text, one after the other */
    size_t used, size;
    int no_document;        /* the stream holds no document at all */
} reading;

static void *
grow(void *buffer, size_t *capacity, size_t needed, size_t unit)
{
    size_t wanted = *capacity ? *capacity : 64;
    while (wanted < needed)
        wanted *= 2;
    if (wanted == *capacity)
        return buffer;
    void *bigger = PyMem_RawRealloc(buffer, wanted * unit);
    if (bigger != NULL)
        *capacity = wanted;
    return bigger;
}

/* 1: an item added; 0: out of memory. */
static int
add(reading *r, unsigned char kind, unsigned char is_key, unsigned char resolve,
    const unsigned char *text, size_t length)
{
    if (r->count + 1 > r->capacity) {
        item *items = grow(r->items, &r->capacity, r->count + 1, sizeof(item));
        if (items == NULL)
            return 0;
        r->items = items;
    }
    if (length && r->used + length > r->size) {
        unsigned char *arena = grow(r->arena, &r->size, r->used + length, 1);
        if (arena == NULL)
            return 0;
        r->arena = arena;
    }
    item *it = &r->items[r->count++];
    it->kind = kind;
    it->is_key = is_key;
    it->resolve = resolve;
    it->start = r->used;
    it->length = length;
    if (length) {
        memcpy(r->arena + r->used, text, length);
        r->used += length;
    }
    return 1;
}

enum { READ_OK, READ_UNUSUAL, READ_NO_MEMORY };

/* The document's items, in r. */
static int
collect(yaml_parser_t *parser, reading *r)
{
    yaml_event_t event;
    struct { unsigned char is_map, wants_key; } open[MAX_DEPTH + 1];
    int depth = -1;  /* index of the open container; -1 before the root's */

    for (int i = 0; i < 2; i++) {  /* the stream's start, then a document's (else there is none) */
        if (!yaml_parser_parse(parser, &event))
            return READ_UNUSUAL;
        yaml_event_type_t type = event.type;
        yaml_event_delete(&event);
        if (i == 0 && type != YAML_STREAM_START_EVENT)
            return READ_UNUSUAL;
        if (i == 1 && type != YAML_DOCUMENT_START_EVENT) {
            r->no_document = 1;
            return READ_OK;
        }
    }
    for (;;) {
        int status = READ_OK, last = 0;
        if (!yaml_parser_parse(parser, &event))
            return READ_UNUSUAL;
        int is_key = depth >= 0 && open[depth].is_map && open[depth].wants_key;
        switch (event.type) {
        case YAML_SCALAR_EVENT: {
            const unsigned char *s = event.data.scalar.value;
            size_t n = event.data.scalar.length;
            if (event.data.scalar.anchor != NULL || !tag_allowed(event.data.scalar.tag) || has_bad_char(s, n)) {
                status = READ_UNUSUAL;
                break;
            }
            int resolve = !is_key && event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                && event.data.scalar.tag == NULL && event.data.scalar.plain_implicit;
            if (!add(r, ITEM_SCALAR, (unsigned char)is_key, (unsigned char)resolve, s, n))
                status = READ_NO_MEMORY;
            else if (depth >= 0 && open[depth].is_map)
                open[depth].wants_key = !is_key;  /* a key waits for its value; a value ends the pair */
            break;
        }
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
            int is_map = event.type == YAML_MAPPING_START_EVENT;
            const yaml_char_t *anchor = is_map ? event.data.mapping_start.anchor : event.data.sequence_start.anchor;
            const yaml_char_t *tag = is_map ? event.data.mapping_start.tag : event.data.sequence_start.tag;
            if (anchor != NULL || !tag_allowed(tag) || depth + 1 >= MAX_DEPTH || is_key) {
                status = READ_UNUSUAL;  /* an anchor, a tag, too deep, or a mapping or list as a key */
                break;
            }
            if (!add(r, is_map ? ITEM_MAP : ITEM_SEQ, 0, 0, NULL, 0)) {
                status = READ_NO_MEMORY;
                break;
            }
            depth++;
            open[depth].is_map = (unsigned char)is_map;
            open[depth].wants_key = 1;
            break;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            if (depth < 0) {
                status = READ_UNUSUAL;
                break;
            }
            if (!add(r, ITEM_END, 0, 0, NULL, 0)) {
                status = READ_NO_MEMORY;
                break;
            }
            depth--;
            if (depth >= 0 && open[depth].is_map)
                open[depth].wants_key = 1;  /* the container was a value: its pair is done */
            break;
        case YAML_DOCUMENT_END_EVENT: {
            yaml_event_t next;
            int parsed = yaml_parser_parse(parser, &next);
            last = 1;
            if (!parsed || next.type != YAML_STREAM_END_EVENT)
                status = READ_UNUSUAL;  /* a second document, or an error after the first */
            if (parsed)
                yaml_event_delete(&next);
            break;
        }
        default:  /* an alias, or anything else parse_data does not expect */
            status = READ_UNUSUAL;
        }
        yaml_event_delete(&event);
        if (status != READ_OK || last)
            return status;
    }
}

/* Phase two: the data from the items (a new reference), UNUSUAL, or NULL with an error. */
static PyObject *
build(const reading *r)
{
    struct { PyObject *container; int is_map; PyObject *key; } open[MAX_DEPTH + 1];
    int depth = -1;
    PyObject *root = NULL, *result = NULL;

    if (r->no_document)
        Py_RETURN_NONE;
    for (size_t i = 0; i < r->count; i++) {
        const item *it = &r->items[i];
        const unsigned char *s = it->length ? r->arena + it->start : (const unsigned char *)"";
        PyObject *value;
        if (it->kind == ITEM_END) {
            Py_CLEAR(open[depth].key);
            depth--;
            continue;
        }
        if (it->kind == ITEM_SCALAR && it->is_key) {  /* a key: its text, interned */
            PyObject *key = text(s, it->length, 1);
            if (key == NULL)
                goto error;
            int present = PyDict_Contains(open[depth].container, key);
            if (present != 0) {
                Py_DECREF(key);
                if (present < 0)
                    goto error;
                result = UNUSUAL;  /* a duplicate key */
                Py_INCREF(result);
                goto done;
            }
            open[depth].key = key;
            continue;
        }
        if (it->kind == ITEM_SCALAR)
            value = it->resolve ? resolved(s, it->length) : text(s, it->length, 0);
        else
            value = it->kind == ITEM_MAP ? PyDict_New() : PyList_New(0);
        if (value == NULL)
            goto error;
        if (depth < 0) {
            root = value;
        } else {
            int failed;
            if (open[depth].is_map) {
                failed = PyDict_SetItem(open[depth].container, open[depth].key, value);
                Py_CLEAR(open[depth].key);
            } else {
                failed = PyList_Append(open[depth].container, value);
            }
            Py_DECREF(value);  /* held by its parent now */
            if (failed)
                goto error;
        }
        if (it->kind != ITEM_SCALAR) {
            depth++;
            open[depth].container = value;
            open[depth].is_map = it->kind == ITEM_MAP;
            open[depth].key = NULL;
        }
    }
    result = root != NULL ? root : Py_None;
    Py_INCREF(result);
    goto done;
error:
    result = NULL;
done:
    for (int d = 0; d <= depth; d++)
        Py_CLEAR(open[d].key);
    Py_XDECREF(root);
    return result;
}

/* arg's UTF-8 bytes: 1, or 0 for a str with a lone surrogate (no file decodes to one), or -1 with a
 * TypeError when arg is not a str. */
static int
utf8_of(PyObject *arg, const char *function, const char **utf8, Py_ssize_t *size)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "%s() takes a str", function);
        return -1;
    }
    *utf8 = PyUnicode_AsUTF8AndSize(arg, size);
    if (*utf8 == NULL) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

PyDoc_STRVAR(load_doc,
"load(text) -> data, or UNUSUAL\n\n"
"What builder.load.parse_data(text, path) returns for text, or UNUSUAL where parse_data\n"
"would hand the text to builder.load.parse (an error, an anchor, a tag, a duplicate key...).");

static PyObject *
load(PyObject *Py_UNUSED(module), PyObject *arg)
{
    Py_ssize_t size;
    const char *utf8;
    yaml_parser_t parser;
    reading r = {0};
    int status;
    PyObject *result;

    int got = utf8_of(arg, "load", &utf8, &size);
    if (got < 0)
        return NULL;
    if (got == 0) {
        Py_INCREF(UNUSUAL);
        return UNUSUAL;
    }
    if (!yaml_parser_initialize(&parser)) {
        status = READ_NO_MEMORY;
    } else {
        /* As PyYAML's CParser feeds a str: its UTF-8 bytes, the encoding left for libyaml to detect. */
        yaml_parser_set_input_string(&parser, (const unsigned char *)utf8, (size_t)size);
        status = collect(&parser, &r);
        yaml_parser_delete(&parser);
    }
    if (status == READ_NO_MEMORY) {
        result = PyErr_NoMemory();
    } else if (status == READ_UNUSUAL) {
        result = UNUSUAL;
        Py_INCREF(result);
    } else {
        result = build(&r);
    }
    PyMem_RawFree(r.items);
    PyMem_RawFree(r.arena);
    return result;
}

PyDoc_STRVAR(version_doc, "libyaml_version() -> the version of the libyaml this module was built with");

static PyObject *
libyaml_version(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(unused))
{
    return PyUnicode_FromString(yaml_get_version_string());
}

PyDoc_STRVAR(well_formed_doc,
"well_formed(text) -> whether this module's libyaml parses text to its end without an error.\n\n"
"PyYAML may carry a libyaml of its own, of another version, which can judge an edge of the syntax\n"
"otherwise ('[?]': 0.2.5 refuses it, 0.2.6 reads it); load() then leaves such a text to parse().");

static PyObject *
well_formed(PyObject *Py_UNUSED(module), PyObject *arg)
{
    Py_ssize_t size;
    const char *utf8;
    yaml_parser_t parser;
    yaml_event_t event;
    int ok = 1, done = 0;

    int got = utf8_of(arg, "well_formed", &utf8, &size);
    if (got <= 0)
        return got < 0 ? NULL : Py_NewRef(Py_False);
    if (!yaml_parser_initialize(&parser))
        return PyErr_NoMemory();
    yaml_parser_set_input_string(&parser, (const unsigned char *)utf8, (size_t)size);
    while (ok && !done) {
        if (!yaml_parser_parse(&parser, &event)) {
            ok = 0;
            break;
        }
        done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    return PyBool_FromLong(ok);
}

static PyMethodDef methods[] = {
    {"load", load, METH_O, load_doc},
    {"well_formed", well_formed, METH_O, well_formed_doc},
    {"libyaml_version", libyaml_version, METH_NOARGS, version_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "builder._yamldata",
    "builder.load.parse_data's reading of valid entry files, in C (see builder/_yamldata.c).",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__yamldata(void)
{
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL)
        return NULL;
    UNUSUAL = PyObject_CallObject((PyObject *)&PyBaseObject_Type, NULL);
    if (UNUSUAL == NULL || PyModule_AddObjectRef(module, "UNUSUAL", UNUSUAL) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
