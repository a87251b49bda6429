/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building the ahead-of-time code of a module: rewrite the validated module for wasm2c, run
 * Debian's wasm2c and the system C compiler, cache the shared object by a digest of everything
 * that determines it, and load it.
 *
 * The rewrite makes the library the owner of everything wasm2c would otherwise own: every
 * import is renamed "i"/"f<k>" (so thunk names are predictable and one context pointer serves
 * them all), defined memories, tables and globals become imports, every defined function is
 * exported as "x<index>" (so its static name is w2c_x<index>), active segments become
 * declarative (elements) or empty passive (data) segments and the start section goes, because
 * the library applies segments and runs start itself in the order the specification requires.
 * Custom sections are dropped. Everything else (types, functions, code) is copied byte for byte.
 *
 * Tools run through posix_spawn with argument vectors (no shell). The cache directory must be
 * owned by the user and not writable by anyone else: a shared object from it is executed.
 */
#include "wasm/aot.h"
#include "crypto/crypto.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define GLUE_VERSION "glue-2"

/* ---- encoding ------------------------------------------------------------------------- */

static tcvm_status_t put_u8(tcvm_buf_t *b, uint8_t v)
{
    return tcvm__buf_append(b, &v, 1);
}

static tcvm_status_t put_uleb(tcvm_buf_t *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        tmp[n++] = byte | (v ? 0x80 : 0);
    } while (v);
    return tcvm__buf_append(b, tmp, n);
}

static tcvm_status_t put_name(tcvm_buf_t *b, const char *s)
{
    size_t n = strlen(s);
    tcvm_status_t st = put_uleb(b, n);
    return st == TCVM_OK ? tcvm__buf_append(b, s, n) : st;
}

static tcvm_status_t put_limits(tcvm_buf_t *b, const tcvm_limits_t *l)
{
    tcvm_status_t st = put_u8(b, l->has_max ? 1 : 0);
    if (st == TCVM_OK)
        st = put_uleb(b, l->min);
    if (st == TCVM_OK && l->has_max)
        st = put_uleb(b, l->max);
    return st;
}

/* Appends a section: id, size, contents. */
static tcvm_status_t put_section(tcvm_buf_t *out, uint8_t id, const tcvm_buf_t *body)
{
    tcvm_status_t st = put_u8(out, id);
    if (st == TCVM_OK)
        st = put_uleb(out, body->size);
    if (st == TCVM_OK)
        st = tcvm__buf_append(out, body->data, body->size);
    return st;
}

static tcvm_status_t put_const(tcvm_buf_t *b, const wconst_t *k)
{
    tcvm_status_t st;
    switch (k->kind) {
    case WCONST_FUNC:
        st = put_u8(b, 0xd2);
        if (st == TCVM_OK)
            st = put_uleb(b, k->index);
        break;
    case WCONST_GLOBAL:
        st = put_u8(b, 0x23);
        if (st == TCVM_OK)
            st = put_uleb(b, k->index);
        break;
    default: /* only reference constants appear in element items */
        st = put_u8(b, 0xd0);
        if (st == TCVM_OK)
            st = put_u8(b, (uint8_t)k->type);
        break;
    }
    return st == TCVM_OK ? put_u8(b, 0x0b) : st;
}

/* The import list of the rewritten module. */
static tcvm_status_t make_layout(const tcvm_module_t *m, tcvm__aot_layout_t *lay)
{
    uint32_t n = m->import_count + (m->memory_count - m->memory_import_count) +
                 (m->table_count - m->table_import_count) +
                 (m->global_count - m->global_import_count) + 1;
    lay->imports = tcvm__calloc(n, sizeof *lay->imports);
    if (lay->imports == NULL)
        return TCVM_ENOMEM;
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->import_count; i++, k++) {
        const wimport_t *im = &m->imports[i];
        tcvm__aot_import_t *a = &lay->imports[k];
        a->kind = im->kind;
        a->prefix = 'f';
        a->number = k;
        a->type_index = im->type_index;
        if (im->kind == TCVM_EXTERN_TABLE)
            a->elem = im->type.of.table.elem;
        if (im->kind == TCVM_EXTERN_GLOBAL)
            a->global = im->type.of.global.type;
    }
    for (uint32_t i = m->memory_import_count; i < m->memory_count; i++, k++)
        lay->imports[k] = (tcvm__aot_import_t){TCVM_EXTERN_MEMORY, 'm', i, 0, 0, 0};
    for (uint32_t i = m->table_import_count; i < m->table_count; i++, k++)
        lay->imports[k] = (tcvm__aot_import_t){TCVM_EXTERN_TABLE, 't', i, 0, m->tables[i].elem, 0};
    for (uint32_t i = m->global_import_count; i < m->global_count; i++, k++)
        lay->imports[k] =
            (tcvm__aot_import_t){TCVM_EXTERN_GLOBAL, 'g', i, 0, 0, m->globals[i].type.type};
    /* last, after every global the module knows (so no index moves): the instance's call-depth
     * counter, which generated code reaches through this import's pointer */
    lay->imports[k++] = (tcvm__aot_import_t){TCVM_EXTERN_GLOBAL, 'd', 0, 0, 0, TCVM_I32};
    lay->import_count = k;
    return TCVM_OK;
}

static tcvm_status_t import_section(const tcvm_module_t *m, const tcvm__aot_layout_t *lay,
                                    tcvm_buf_t *b)
{
    tcvm_status_t st = put_uleb(b, lay->import_count);
    char field[32];
    for (uint32_t k = 0; k < lay->import_count && st == TCVM_OK; k++) {
        const tcvm__aot_import_t *a = &lay->imports[k];
        snprintf(field, sizeof field, "%c%u", a->prefix, a->number);
        if ((st = put_name(b, "i")) != TCVM_OK || (st = put_name(b, field)) != TCVM_OK)
            break;
        switch (a->kind) {
        case TCVM_EXTERN_FUNC:
            if ((st = put_u8(b, 0)) == TCVM_OK)
                st = put_uleb(b, a->type_index);
            break;
        case TCVM_EXTERN_TABLE: {
            const tcvm_tabletype_t *t = a->prefix == 'f' ? &m->imports[k].type.of.table
                                                         : &m->tables[a->number];
            if ((st = put_u8(b, 1)) == TCVM_OK && (st = put_u8(b, (uint8_t)t->elem)) == TCVM_OK)
                st = put_limits(b, &t->limits);
            break;
        }
        case TCVM_EXTERN_MEMORY: {
            const tcvm_memtype_t *t = a->prefix == 'f' ? &m->imports[k].type.of.memory
                                                       : &m->memories[a->number];
            if ((st = put_u8(b, 2)) == TCVM_OK)
                st = put_limits(b, &t->limits);
            break;
        }
        case TCVM_EXTERN_GLOBAL: {
            static const tcvm_globaltype_t placeholder = {TCVM_I32, true};
            const tcvm_globaltype_t *t = a->prefix == 'f'   ? &m->imports[k].type.of.global
                                         : a->prefix == 'd' ? &placeholder
                                                            : &m->globals[a->number].type;
            if ((st = put_u8(b, 3)) == TCVM_OK && (st = put_u8(b, (uint8_t)t->type)) == TCVM_OK)
                st = put_u8(b, t->is_mutable ? 1 : 0);
            break;
        }
        }
    }
    return st;
}

static tcvm_status_t export_section(const tcvm_module_t *m, tcvm_buf_t *b)
{
    tcvm_status_t st = put_uleb(b, m->func_count - m->func_import_count);
    char name[32];
    for (uint32_t fi = m->func_import_count; fi < m->func_count && st == TCVM_OK; fi++) {
        snprintf(name, sizeof name, "x%u", fi);
        if ((st = put_name(b, name)) == TCVM_OK && (st = put_u8(b, 0)) == TCVM_OK)
            st = put_uleb(b, fi);
    }
    return st;
}

static tcvm_status_t element_section(const tcvm_module_t *m, tcvm_buf_t *b)
{
    tcvm_status_t st = put_uleb(b, m->elem_count);
    for (uint32_t i = 0; i < m->elem_count && st == TCVM_OK; i++) {
        const welem_t *e = &m->elems[i];
        if (e->mode == WSEG_ACTIVE && e->type != TCVM_FUNCREF) {
            /* nothing to declare: an empty passive segment behaves as the dropped original */
            if ((st = put_uleb(b, 5)) == TCVM_OK && (st = put_u8(b, (uint8_t)e->type)) == TCVM_OK)
                st = put_uleb(b, 0);
            continue;
        }
        /* active segments become declarative: dropped at instantiation, as the original is
         * once applied, and their functions stay declared for ref.func */
        if ((st = put_uleb(b, e->mode == WSEG_PASSIVE ? 5 : 7)) != TCVM_OK ||
            (st = put_u8(b, (uint8_t)e->type)) != TCVM_OK || (st = put_uleb(b, e->count)) != TCVM_OK)
            break;
        for (uint32_t k = 0; k < e->count && st == TCVM_OK; k++)
            st = put_const(b, &e->items[k]);
    }
    return st;
}

static tcvm_status_t data_section(const tcvm_module_t *m, tcvm_buf_t *b)
{
    tcvm_status_t st = put_uleb(b, m->data_count);
    for (uint32_t i = 0; i < m->data_count && st == TCVM_OK; i++) {
        const wdata_t *d = &m->datas[i];
        uint32_t size = d->mode == WSEG_PASSIVE ? d->size : 0;
        if ((st = put_uleb(b, 1)) == TCVM_OK && (st = put_uleb(b, size)) == TCVM_OK)
            st = tcvm__buf_append(b, d->bytes, size);
    }
    return st;
}

/* Writes the rewritten module into out: the original's type, function, data count and code
 * sections byte for byte, the others synthesised, all in the order the format requires. */
static tcvm_status_t rewrite(const tcvm_module_t *m, const tcvm__aot_layout_t *lay,
                             const uint8_t *bytes, size_t size, tcvm_buf_t *out)
{
    struct {
        const uint8_t *p;
        uint32_t len;
        bool present;
    } raw[13];
    memset(raw, 0, sizeof raw);
    tcvm_cursor_t c = tcvm__cursor(bytes, size);
    c.pos = 8;
    while (!tcvm__cur_eof(&c)) {
        uint8_t id;
        uint32_t len;
        const uint8_t *p;
        if (tcvm__cur_u8(&c, &id) != TCVM_OK || tcvm__cur_u32(&c, &len) != TCVM_OK ||
            tcvm__cur_bytes(&c, len, &p) != TCVM_OK || id > 12)
            return TCVM_EINTERNAL; /* the module was validated: cannot happen */
        if (id != 0) {
            raw[id].p = p;
            raw[id].len = len;
            raw[id].present = true;
        }
    }
    tcvm_buf_t body = {0};
    tcvm_status_t st = tcvm__buf_append(out, "\0asm\1\0\0\0", 8);
    static const uint8_t copied[] = {1, 3}; /* types, functions */
    for (size_t i = 0; i < sizeof copied && st == TCVM_OK; i++) {
        uint8_t id = copied[i];
        if (raw[id].present && (st = put_u8(out, id)) == TCVM_OK &&
            (st = put_uleb(out, raw[id].len)) == TCVM_OK)
            st = tcvm__buf_append(out, raw[id].p, raw[id].len);
        if (id == 1 && st == TCVM_OK && lay->import_count > 0) {
            if ((st = import_section(m, lay, &body)) == TCVM_OK)
                st = put_section(out, 2, &body);
            body.size = 0;
        }
    }
    if (st == TCVM_OK && m->func_count > m->func_import_count) {
        if ((st = export_section(m, &body)) == TCVM_OK)
            st = put_section(out, 7, &body);
        body.size = 0;
    }
    if (st == TCVM_OK && m->elem_count > 0) {
        if ((st = element_section(m, &body)) == TCVM_OK)
            st = put_section(out, 9, &body);
        body.size = 0;
    }
    static const uint8_t tail[] = {12, 10}; /* data count, code */
    for (size_t i = 0; i < sizeof tail && st == TCVM_OK; i++) {
        uint8_t id = tail[i];
        if (raw[id].present && (st = put_u8(out, id)) == TCVM_OK &&
            (st = put_uleb(out, raw[id].len)) == TCVM_OK)
            st = tcvm__buf_append(out, raw[id].p, raw[id].len);
    }
    if (st == TCVM_OK && raw[11].present) {
        if ((st = data_section(m, &body)) == TCVM_OK)
            st = put_section(out, 11, &body);
    }
    tcvm__buf_free(&body);
    return st;
}

static tcvm_status_t write_file(const char *path, const void *data, size_t size);

/* ---- tools ---------------------------------------------------------------------------- */

/* Runs argv[0] (looked up in PATH) with stdout and stderr going to log_path; returns its exit
 * status, or -1 when it could not be started. */
static int run_tool(char *const argv[], const char *log_path)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -1;
    int rc = -1;
    if (posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_APPEND, 0600) ||
        posix_spawn_file_actions_adddup2(&fa, 1, 2) ||
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0))
        goto out;
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0)
        goto out;
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            goto out;
    }
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
out:
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* The first error line of a tool's log (or its end), for error messages. */
static void log_tail(const char *log_path, char *out, size_t out_size)
{
    out[0] = '\0';
    uint8_t *data;
    size_t size;
    if (tcvm__read_file(log_path, 1 << 20, &data, &size, NULL) != TCVM_OK)
        return;
    const uint8_t *first = memmem(data, size, "error", 5);
    size_t start = size > out_size - 1 ? size - (out_size - 1) : 0;
    if (first != NULL) {
        while (first > data && first[-1] != '\n')
            first--;
        start = (size_t)(first - data);
        if (size - start > out_size - 1)
            size = start + out_size - 1;
    }
    size_t n = size - start;
    memcpy(out, data + start, n);
    out[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (out[i] == '\n')
            out[i] = ' ';
    tcvm__free(data);
}

/* First line of `tool --version`, or NULL when the tool cannot be run. */
static char *tool_version(const char *tool, const char *dir)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/version-%ld-%lx.log", dir, (long)getpid(),
             (unsigned long)pthread_self());
    unlink(log);
    char *argv[] = {(char *)tool, "--version", NULL};
    if (run_tool(argv, log) != 0)
        return NULL;
    uint8_t *data;
    size_t size;
    if (tcvm__read_file(log, 1 << 16, &data, &size, NULL) != TCVM_OK)
        return NULL;
    unlink(log);
    size_t n = 0;
    while (n < size && data[n] != '\n')
        n++;
    char *line = tcvm__strndup((const char *)data, n);
    tcvm__free(data);
    return line;
}

/* ---- cache ---------------------------------------------------------------------------- */

/* Creates (mode 0700) or checks the cache directory: owned by us, writable by nobody else. */
static tcvm_status_t cache_dir_ready(const char *dir, tcvm_error_t *err)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return tcvm__errorf(err, TCVM_EINVAL, "AOT cache directory path is empty or too long");
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            char saved = path[i];
            path[i] = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST)
                return tcvm__errorf(err, TCVM_EIO, "cannot create AOT cache directory %s: %s",
                                    path, strerror(errno));
            path[i] = saved;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return tcvm__errorf(err, TCVM_EIO, "AOT cache %s is not a directory", dir);
    if (st.st_uid != geteuid() || (st.st_mode & 022) != 0)
        return tcvm__errorf(err, TCVM_EPERM, "AOT cache directory %s must be owned by this user "
                            "and not writable by group or others (its code is executed)", dir);
    return TCVM_OK;
}

static void cache_dir_default(char *out, size_t size)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (xdg != NULL && xdg[0] == '/')
        snprintf(out, size, "%s/2cvm/aot", xdg);
    else if (home != NULL && home[0] == '/')
        snprintf(out, size, "%s/.cache/2cvm/aot", home);
    else
        snprintf(out, size, "/tmp/2cvm-aot-%u", (unsigned)geteuid());
}

/* Tool identities are looked up once per engine. */
static tcvm_status_t engine_tools(tcvm_engine_t *e, const char *dir, tcvm_error_t *err)
{
    pthread_mutex_lock(&e->aot_lock);
    tcvm_status_t st = TCVM_OK;
    if (e->aot_tools == NULL) {
        char *w = tool_version("wasm2c", dir);
        char *cc = tool_version(e->aot_cc, dir);
        if (w == NULL || cc == NULL) {
            st = tcvm__errorf(err, TCVM_EUNSUPPORTED, "the AOT tier needs %s (Debian package "
                              "wabt) and a C compiler (%s); %s cannot be run",
                              "wasm2c", e->aot_cc, w == NULL ? "wasm2c" : e->aot_cc);
        } else {
            tcvm_buf_t b = {0};
            if (tcvm__buf_printf(&b, "%s|%s|%s|abi %u", w, cc, GLUE_VERSION, TCVM_AOT_ABI) ==
                TCVM_OK && tcvm__buf_append(&b, "", 1) == TCVM_OK) {
                e->aot_tools = (char *)b.data;
                e->aot_is_clang = strstr(cc, "clang") != NULL;
            } else {
                tcvm__buf_free(&b);
                st = tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
            }
        }
        tcvm__free(w);
        tcvm__free(cc);
    }
    pthread_mutex_unlock(&e->aot_lock);
    return st;
}

/* Appends text[0, size) to out with every occurrence of from replaced by to. */
static tcvm_status_t replace_all(const char *text, size_t size, const char *from, const char *to,
                                 tcvm_buf_t *out, size_t *out_count)
{
    size_t flen = strlen(from), tlen = strlen(to), count = 0;
    const char *p = text, *end = text + size;
    tcvm_status_t st = TCVM_OK;
    while (st == TCVM_OK) {
        const char *hit = memmem(p, (size_t)(end - p), from, flen);
        if (hit == NULL)
            break;
        st = tcvm__buf_append(out, p, (size_t)(hit - p));
        if (st == TCVM_OK)
            st = tcvm__buf_append(out, to, tlen);
        p = hit + flen;
        count++;
    }
    if (st == TCVM_OK)
        st = tcvm__buf_append(out, p, (size_t)(end - p));
    if (out_count != NULL)
        *out_count = count;
    return st;
}

/* wabt 1.0.32's little-endian load and store helpers, as they appear in its output. */
static const char w2c_load_store[] =
    "#define DEFINE_LOAD(name, t1, t2, t3)                      \\\n"
    "  static inline t3 name(wasm_rt_memory_t* mem, u64 addr) { \\\n"
    "    MEMCHECK(mem, addr, t1);                               \\\n"
    "    t1 result;                                             \\\n"
    "    wasm_rt_memcpy(&result, &mem->data[addr], sizeof(t1)); \\\n"
    "    wasm_asm(\"\" ::\"r\"(result));                            \\\n"
    "    return (t3)(t2)result;                                 \\\n"
    "  }\n"
    "\n"
    "#define DEFINE_STORE(name, t1, t2)                                     \\\n"
    "  static inline void name(wasm_rt_memory_t* mem, u64 addr, t2 value) { \\\n"
    "    MEMCHECK(mem, addr, t1);                                           \\\n"
    "    t1 wrapped = (t1)value;                                            \\\n"
    "    wasm_rt_memcpy(&mem->data[addr], &wrapped, sizeof(t1));            \\\n"
    "  }\n";

/* Their replacement: the same accesses, relative to a base address the caller holds, wrapped in
 * a struct so that a call still passing the memory object cannot compile (a mismatched pointer
 * would only be a warning, and the build runs with -w). The empty asm still takes every loaded
 * value, so no load is ever removed (an out-of-bounds load whose value is unused must still
 * trap), but the value may stay in a floating-point register ("x") instead of being moved to a
 * general one for nothing. */
static const char tcvm_load_store[] =
    "typedef struct { u8* p; } tcvm_base_t;\n"
    "#define DEFINE_LOAD(name, t1, t2, t3)                      \\\n"
    "  static inline t3 name(tcvm_base_t base, u64 addr) {      \\\n"
    "    t1 result;                                             \\\n"
    "    wasm_rt_memcpy(&result, base.p + addr, sizeof(t1));    \\\n"
    "    wasm_asm(\"\" ::\"rx\"(result));                           \\\n"
    "    return (t3)(t2)result;                                 \\\n"
    "  }\n"
    "\n"
    "#define DEFINE_STORE(name, t1, t2)                                     \\\n"
    "  static inline void name(tcvm_base_t base, u64 addr, t2 value) {      \\\n"
    "    t1 wrapped = (t1)value;                                            \\\n"
    "    wasm_rt_memcpy(base.p + addr, &wrapped, sizeof(t1));               \\\n"
    "  }\n";

static const char w2c_prologue_end[] = "    TRAP(EXHAUSTION);\n\n#define FUNC_EPILOGUE";

/*
 * Every load and store of wasm2c 1.0.32's output reads the memory's base address through two
 * pointers (instance -> memory -> data), and since a store into linear memory may alias
 * anything, the compiler reloads both after every store. In 2cvm a memory never moves (its
 * whole reservation is mapped when it is created; growth only changes protections, see
 * tcvm__memory_grow), so the base is invariant for an instance's lifetime: each function reads
 * it once, in its prologue, into a local whose address is never taken, and every access uses
 * that. Bounds are still enforced by the guard region alone (MEMCHECK is empty in this
 * configuration either way). Applied only when the output has the expected shape and one
 * memory; otherwise the generated code is left as it is (correct, just slower).
 */
/* True when text[0, len) is the name of one of wasm2c's load or store helpers
 * (i32_load, i64_load8_s, f64_store, i32_store16, ...). */
static bool is_access_helper(const char *text, size_t len)
{
    static const char *const names[] = {
        "i32_load",      "i64_load",      "f32_load",      "f64_load",       "i32_load8_s",
        "i64_load8_s",   "i32_load8_u",   "i64_load8_u",   "i32_load16_s",   "i64_load16_s",
        "i32_load16_u",  "i64_load16_u",  "i64_load32_s",  "i64_load32_u",   "i32_store",
        "i64_store",     "f32_store",     "f64_store",     "i32_store8",     "i32_store16",
        "i64_store8",    "i64_store16",   "i64_store32"};
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(names); i++)
        if (strlen(names[i]) == len && memcmp(names[i], text, len) == 0)
            return true;
    return false;
}

static tcvm_status_t memory_base_patch(const char *text, size_t size, tcvm_buf_t *out,
                                       bool *out_applied)
{
    *out_applied = false;
    /* the one memory's field: the first argument of the first load or store helper call */
    const char *arg = NULL;
    for (const char *p = text; p < text + size;) {
        const char *hit = memmem(p, (size_t)(text + size - p), "(instance->", 11);
        if (hit == NULL)
            break;
        const char *id = hit;
        while (id > text && (isalnum((unsigned char)id[-1]) || id[-1] == '_'))
            id--;
        if (is_access_helper(id, (size_t)(hit - id))) {
            arg = hit + 11;
            break;
        }
        p = hit + 11;
    }
    if (arg == NULL)
        return TCVM_OK; /* no memory accesses at all */
    size_t len = 0;
    while (arg + len < text + size && (isalnum((unsigned char)arg[len]) || arg[len] == '_') &&
           len < 64)
        len++;
    if (len == 0 || len >= 64 ||
        memmem(text, size, w2c_load_store, sizeof w2c_load_store - 1) == NULL ||
        memmem(text, size, w2c_prologue_end, sizeof w2c_prologue_end - 1) == NULL)
        return TCVM_OK;
    char field[96], prologue[256];
    snprintf(field, sizeof field, "(instance->%.*s, ", (int)len, arg);
    snprintf(prologue, sizeof prologue,
             "    TRAP(EXHAUSTION);                                            \\\n"
             "  const tcvm_base_t tcvm_mem_ = {instance->%.*s->data}\n\n#define FUNC_EPILOGUE",
             (int)len, arg);
    size_t flen = strlen(field);
    tcvm_buf_t a = {0}, b = {0};
    size_t n_helpers = 0, n_prologue = 0;
    tcvm_status_t st = replace_all(text, size, w2c_load_store, tcvm_load_store, &a, &n_helpers);
    /* every helper call on the memory takes tcvm_mem_ instead; anything else (memory.size,
     * memory.grow, bulk memory) keeps the memory object */
    const char *t = (const char *)a.data, *end = t + a.size, *p = t;
    bool other_memory = false;
    while (st == TCVM_OK && n_helpers == 1) {
        const char *hit = memmem(p, (size_t)(end - p), "(instance->", 11);
        if (hit == NULL)
            break;
        const char *id = hit;
        while (id > t && (isalnum((unsigned char)id[-1]) || id[-1] == '_'))
            id--;
        if (!is_access_helper(id, (size_t)(hit - id))) {
            st = tcvm__buf_append(&b, p, (size_t)(hit + 11 - p));
            p = hit + 11;
            continue;
        }
        if ((size_t)(end - hit) < flen || memcmp(hit, field, flen) != 0) {
            other_memory = true; /* a second memory: not this module (multi-memory is refused) */
            break;
        }
        st = tcvm__buf_append(&b, p, (size_t)(hit - p));
        if (st == TCVM_OK)
            st = tcvm__buf_append(&b, "(tcvm_mem_, ", 12);
        p = hit + flen;
    }
    if (st == TCVM_OK && n_helpers == 1 && !other_memory) {
        st = tcvm__buf_append(&b, p, (size_t)(end - p));
        /* declare tcvm_mem_ in every function, in the prologue each one starts with */
        if (st == TCVM_OK)
            st = replace_all((const char *)b.data, b.size, w2c_prologue_end, prologue, out,
                             &n_prologue);
        *out_applied = st == TCVM_OK && n_prologue == 1;
    }
    tcvm__buf_free(&a);
    tcvm__buf_free(&b);
    if (!*out_applied)
        tcvm__buf_free(out);
    return st;
}

/*
 * wasm2c 1.0.32 reports every table trap as WASM_RT_TRAP_OOB, like memory traps, and every
 * failed call_indirect alike. The specification distinguishes them, so the table helpers and
 * the call_indirect macro of the generated file are rewritten to raise distinct codes (see the
 * prelude in aot_glue.c). A file that does not look as expected is refused, never half-patched.
 */
static tcvm_status_t patch_generated(const char *path, tcvm_error_t *err)
{
    uint8_t *data;
    size_t size;
    tcvm_status_t st = tcvm__read_file(path, TCVM_MAX_FILE_SIZE, &data, &size, err);
    if (st != TCVM_OK)
        return st;
    tcvm_buf_t out = {0};
    const char *text = (const char *)data;
    const char *tables = memmem(text, size, "  uint32_t func_type_index;", 27);
    const char *tables_end = tables ? strstr(tables, "static bool s_module_initialized") : NULL;
    const char *ci = memmem(text, size, "TRAP(CALL_INDIRECT)", 19);
    if (tables == NULL || tables_end == NULL || ci == NULL || ci > tables) {
        tcvm__free(data);
        return tcvm__errorf(err, TCVM_EUNSUPPORTED, "wasm2c produced code this version of 2cvm "
                            "does not recognise (expected the layout of wabt 1.0.32)");
    }
    st = tcvm__buf_append(&out, text, (size_t)(ci - text));
    if (st == TCVM_OK)
        st = tcvm__buf_printf(&out, "TRAP_INDIRECT_(table, x)");
    const char *p = ci + 19;
    if (st == TCVM_OK)
        st = tcvm__buf_append(&out, p, (size_t)(tables - p));
    for (p = tables; st == TCVM_OK && p < tables_end;) {
        const char *hit = memmem(p, (size_t)(tables_end - p), "TRAP(OOB)", 9);
        if (hit == NULL) {
            st = tcvm__buf_append(&out, p, (size_t)(tables_end - p));
            break;
        }
        st = tcvm__buf_append(&out, p, (size_t)(hit - p));
        if (st == TCVM_OK)
            st = tcvm__buf_printf(&out, "TRAP(TABLE_OOB_)");
        p = hit + 9;
    }
    if (st == TCVM_OK)
        st = tcvm__buf_append(&out, tables_end, size - (size_t)(tables_end - text));
    tcvm_buf_t fast = {0};
    bool use_fast = false;
    if (st == TCVM_OK)
        st = memory_base_patch((const char *)out.data, out.size, &fast, &use_fast);
    if (st == TCVM_OK)
        st = use_fast ? write_file(path, fast.data, fast.size)
                      : write_file(path, out.data, out.size);
    tcvm__free(data);
    tcvm__buf_free(&out);
    tcvm__buf_free(&fast);
    if (st != TCVM_OK)
        return tcvm__errorf(err, st, "cannot rewrite the generated code");
    return TCVM_OK;
}

/* ---- loading -------------------------------------------------------------------------- */

typedef struct text_search {
    uintptr_t base;
    uintptr_t lo, hi;
} text_search_t;

static int find_text(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    text_search_t *t = arg;
    if (info->dlpi_addr != t->base)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
            if (t->lo == 0 || lo < t->lo)
                t->lo = lo;
            if (hi > t->hi)
                t->hi = hi;
        }
    }
    return 1;
}

static tcvm_status_t load(tcvm_module_t *m, tcvm__aot_code_t *code, const char *so,
                          tcvm_error_t *err)
{
    code->handle = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (code->handle == NULL)
        return tcvm__errorf(err, TCVM_EIO, "cannot load compiled module %s: %s", so, dlerror());
    code->desc = dlsym(code->handle, TCVM_AOT_MODULE_SYMBOL);
    const tcvm_aot_module_t *d = code->desc;
    if (d == NULL || d->abi != TCVM_AOT_ABI || d->import_count != code->layout.import_count ||
        d->func_count != m->func_count - m->func_import_count)
        return tcvm__errorf(err, TCVM_EIO, "compiled module %s does not match its module", so);
    struct link_map *lm = NULL;
    if (dlinfo(code->handle, RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL)
        return tcvm__errorf(err, TCVM_EIO, "cannot inspect compiled module %s", so);
    text_search_t t = {(uintptr_t)lm->l_addr, 0, 0};
    dl_iterate_phdr(find_text, &t);
    if (t.lo == 0)
        return tcvm__errorf(err, TCVM_EIO, "compiled module %s has no code segment", so);
    code->text_lo = t.lo;
    code->text_hi = t.hi;
    d->init(tcvm__aot_api(), m->engine->config.aot_max_depth);
    uint32_t nf = m->func_count - m->func_import_count;
    code->func_type_ids = tcvm__calloc(nf ? nf : 1, sizeof *code->func_type_ids);
    if (code->func_type_ids == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < nf; i++)
        code->func_type_ids[i] = tcvm__aot_type_id(&m->types[m->func_types[m->func_import_count + i]]);
    return TCVM_OK;
}

void tcvm__aot_code_free(tcvm__aot_code_t *code)
{
    if (code == NULL)
        return;
    /* the shared object stays mapped: funcrefs and code addresses from it may outlive the
     * module in other stores' tables only through instances, which hold the module; but the
     * fault handler may still look at text ranges concurrently, so unmapping is left to exit */
    tcvm__free(code->layout.imports);
    tcvm__free(code->func_type_ids);
    tcvm__free(code);
}

static tcvm_status_t write_file(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return TCVM_EIO;
    const uint8_t *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return TCVM_EIO;
        }
        p += n;
        size -= (size_t)n;
    }
    return close(fd) == 0 ? TCVM_OK : TCVM_EIO;
}

static void remove_tree(const char *dir)
{
    static const char *const names[] = {"m.wasm", "m.c", "m.h", "glue.c", "out.so", "build.log",
                                        "version.log"};
    char path[4200];
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(names); i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

tcvm_status_t tcvm__aot_compile(tcvm_module_t *m, const uint8_t *bytes, size_t size,
                                tcvm_error_t *err)
{
    tcvm_engine_t *e = m->engine;
    char dir[4096];
    if (e->config.aot_cache_dir != NULL)
        snprintf(dir, sizeof dir, "%s", e->config.aot_cache_dir);
    else
        cache_dir_default(dir, sizeof dir);
    tcvm_status_t st = cache_dir_ready(dir, err);
    if (st != TCVM_OK)
        return st;
    if ((st = engine_tools(e, dir, err)) != TCVM_OK)
        return st;
    tcvm__aot_code_t *code = tcvm__calloc(1, sizeof *code);
    tcvm_buf_t mod = {0}, glue = {0};
    char tmp[4200] = "";
    if (code == NULL || make_layout(m, &code->layout) != TCVM_OK) {
        st = tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
        goto fail;
    }
    if ((st = rewrite(m, &code->layout, bytes, size, &mod)) != TCVM_OK ||
        (st = tcvm__aot_glue(m, &code->layout, &glue)) != TCVM_OK) {
        tcvm__errorf(err, st, "cannot prepare the module for the AOT compiler");
        goto fail;
    }
    /* the cache key covers the exact input of the compiler and the tools that see it */
    uint8_t key[32];
    char keyhex[65], so[4200];
    tcvm_hash_ctx_t *h;
    if ((st = tcvm__hash_init(TCVM_HASH_SHA256, &h)) != TCVM_OK ||
        (st = tcvm__hash_update(h, e->aot_tools, strlen(e->aot_tools) + 1)) != TCVM_OK ||
        (st = tcvm__hash_update(h, mod.data, mod.size)) != TCVM_OK ||
        (st = tcvm__hash_update(h, glue.data, glue.size)) != TCVM_OK ||
        (st = tcvm__hash_final(h, key)) != TCVM_OK) {
        tcvm__errorf(err, st, "cannot hash the module");
        goto fail;
    }
    tcvm__hex_encode(key, sizeof key, keyhex, sizeof keyhex);
    snprintf(so, sizeof so, "%s/%s.so", dir, keyhex);
    if (access(so, R_OK) != 0) {
        snprintf(tmp, sizeof tmp, "%s/build-XXXXXX", dir);
        if (mkdtemp(tmp) == NULL) {
            st = tcvm__errorf(err, TCVM_EIO, "cannot create a build directory in %s: %s", dir,
                              strerror(errno));
            tmp[0] = '\0';
            goto fail;
        }
        char wasm[4300], csrc[4300], gsrc[4300], out[4300], log[4300], inc[4300];
        snprintf(wasm, sizeof wasm, "%s/m.wasm", tmp);
        snprintf(csrc, sizeof csrc, "%s/m.c", tmp);
        snprintf(gsrc, sizeof gsrc, "%s/glue.c", tmp);
        snprintf(out, sizeof out, "%s/out.so", tmp);
        snprintf(log, sizeof log, "%s/build.log", tmp);
        snprintf(inc, sizeof inc, "-I%s", tmp);
        if (write_file(wasm, mod.data, mod.size) != TCVM_OK ||
            write_file(gsrc, glue.data, glue.size) != TCVM_OK) {
            st = tcvm__errorf(err, TCVM_EIO, "cannot write in %s", tmp);
            goto fail;
        }
        char *w2c[] = {"wasm2c", wasm, "-n", "m", "-o", csrc, NULL};
        if (run_tool(w2c, log) != 0) {
            char tail[300];
            log_tail(log, tail, sizeof tail);
            st = tcvm__errorf(err, TCVM_EIO, "wasm2c failed: %s", tail);
            goto fail;
        }
        if ((st = patch_generated(csrc, err)) != TCVM_OK)
            goto fail;
        char *cc_gcc[] = {e->aot_cc, "-O2", "-fPIC", "-shared", "-fvisibility=hidden", "-w",
                          "-fno-optimize-sibling-calls", "-frounding-math", "-fsignaling-nans",
                          "-fno-strict-aliasing", inc, "-o", out, gsrc, "-lm", NULL};
        char *cc_clang[] = {e->aot_cc, "-O2", "-fPIC", "-shared", "-fvisibility=hidden", "-w",
                            "-fno-optimize-sibling-calls", "-frounding-math",
                            "-fno-strict-aliasing", inc, "-o", out, gsrc, "-lm", NULL};
        if (run_tool(e->aot_is_clang ? cc_clang : cc_gcc, log) != 0) {
            char tail[300];
            log_tail(log, tail, sizeof tail);
            st = tcvm__errorf(err, TCVM_EIO, "the C compiler failed on the generated code: %s",
                              tail);
            goto fail;
        }
        if (rename(out, so) != 0) {
            st = tcvm__errorf(err, TCVM_EIO, "cannot store %s: %s", so, strerror(errno));
            goto fail;
        }
        remove_tree(tmp);
        tmp[0] = '\0';
    }
    if ((st = load(m, code, so, err)) != TCVM_OK)
        goto fail;
    m->aot = code;
    tcvm__buf_free(&mod);
    tcvm__buf_free(&glue);
    return TCVM_OK;
fail:
    if (tmp[0] != '\0')
        remove_tree(tmp);
    tcvm__buf_free(&mod);
    tcvm__buf_free(&glue);
    if (code != NULL) {
        if (code->handle != NULL)
            dlclose(code->handle);
        code->handle = NULL;
        tcvm__aot_code_free(code);
    }
    return st;
}

bool tcvm_aot_available(const char *cc)
{
    char dir[] = "/tmp/2cvm-aot-probe-XXXXXX";
    if (mkdtemp(dir) == NULL)
        return false;
    char *w = tool_version("wasm2c", dir);
    char *c = tool_version(cc != NULL ? cc : "cc", dir);
    bool ok = w != NULL && c != NULL;
    tcvm__free(w);
    tcvm__free(c);
    rmdir(dir);
    return ok;
}
