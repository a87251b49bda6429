/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The job: what the runtime does on its job thread once every asset is in. Each component is
 * validated and instantiated in its own sandbox (its own core store: memory capped at the
 * manifest's limit, fuel metered when the manifest gives fuel, a watchdog interrupting it past
 * its time limit). Its imports are satisfied only by (1) the manifest's channels: an imported
 * interface named by a channel from this component is forwarded to the exporting component's
 * instance, through a hook that counts the calls and argument bytes; and (2) the tcvm:host
 * interfaces of wit/tcvm-host.wit, whose every call is checked against the manifest here.
 * Anything else fails instantiation with a message naming the import. Callees are instantiated
 * before their callers, then the entry export is called; a trap, a limit hit or a refused host
 * call ends the job with the reason, and the runtime then releases nothing.
 *
 * Without the Component Model runtime (a build where include/tcvm/component.h is not
 * implemented), the job fails with that reason instead: it never pretends to have run.
 */
#include "host/host_internal.h"

#ifndef TCVM_HAVE_COMPONENT_RUNTIME

tcvm_status_t tcvm__host_job_run(tcvm_host_t *h, tcvm_host_job_outputs_t *out, tcvm_error_t *err)
{
    (void)h;
    (void)out;
    return tcvm__errorf(err, TCVM_EUNSUPPORTED,
                        "component runtime not available: this build of 2cvm cannot instantiate "
                        "WebAssembly components, so the job cannot run");
}

#else

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "tcvm/component.h"

#define HOST_PKG "tcvm:host/"
#define READ_MAX ((uint32_t)1 << 20)
#define LOG_MAX ((size_t)64 << 10)

typedef struct job job_t;

/* The environment of one component's host functions. */
typedef struct sandbox {
    job_t *job;
    size_t index; /* manifest component */
    tcvm_cinstance_t *instance;
    tcvm_clinker_t *linker;
    uint64_t deadline_ms; /* 0: no time limit */
    bool interrupted;
} sandbox_t;

/* One manifest channel's counters (the forward hook's environment). */
typedef struct channel_stats {
    job_t *job;
    size_t channel;
    uint64_t calls;
    uint64_t bytes;
} channel_stats_t;

struct job {
    tcvm_host_t *h;
    const tcvm_manifest_t *m;
    tcvm_host_job_outputs_t *out;
    tcvm_engine_t *engine;
    tcvm_component_t **components;
    sandbox_t *boxes;
    channel_stats_t *channels;
    size_t *order; /* instantiation order: callees first */
    size_t instantiated;
    pthread_mutex_t lock; /* watchdog vs. the job thread */
    bool done;
    char refusal[TCVM_ERROR_MSG_SIZE]; /* first refused host call, kept for the failure */
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Records why a host call was refused (the first one wins) and traps the caller with it. */
static tcvm_status_t refuse(sandbox_t *sb, tcvm_ccall_t *call, const char *fmt, ...)
    TCVM__PRINTF(3, 4);
static tcvm_status_t refuse(sandbox_t *sb, tcvm_ccall_t *call, const char *fmt, ...)
{
    char msg[TCVM_ERROR_MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (sb->job->refusal[0] == '\0')
        snprintf(sb->job->refusal, sizeof sb->job->refusal, "%s", msg);
    return tcvm_ccall_trapf(call, "%s", msg);
}

/* The input an id names, if routed to the component; else refuses the call. */
static bool routed_input(sandbox_t *sb, tcvm_ccall_t *call, const tcvm_cval_t *id, size_t *out,
                         tcvm_status_t *st)
{
    const tcvm_manifest_t *m = sb->job->m;
    char name[TCVM_MANIFEST_MAX_ID_SIZE + 1];
    size_t n = id->of.str.size < TCVM_MANIFEST_MAX_ID_SIZE ? id->of.str.size
                                                           : TCVM_MANIFEST_MAX_ID_SIZE;
    memcpy(name, id->of.str.data, n);
    name[n] = '\0';
    size_t k;
    if (id->of.str.size > TCVM_MANIFEST_MAX_ID_SIZE || !tcvm_manifest_find_input(m, name, &k) ||
        !tcvm_manifest_may_read(m, sb->index, k)) {
        *st = refuse(sb, call, "component %s may not read input \"%s\": the manifest does not "
                               "route it to this component",
                     m->components[sb->index].id, name);
        return false;
    }
    *out = k;
    return true;
}

static tcvm_status_t host_inputs_ids(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args,
                                      size_t count, tcvm_cval_t *result)
{
    (void)call;
    (void)args;
    (void)count;
    sandbox_t *sb = env;
    const tcvm_manifest_t *m = sb->job->m;
    size_t n = 0;
    for (size_t i = 0; i < m->input_count; i++)
        n += tcvm_manifest_may_read(m, sb->index, i);
    tcvm_cval_t list;
    tcvm_status_t st = tcvm_cval_seq(TCVM_CT_LIST, n, &list);
    for (size_t i = 0, k = 0; st == TCVM_OK && i < m->input_count; i++) {
        if (tcvm_manifest_may_read(m, sb->index, i))
            st = tcvm_cval_string(m->inputs[i].id, strlen(m->inputs[i].id),
                                  &list.of.seq.items[k++]);
    }
    if (st != TCVM_OK) {
        tcvm_cval_clear(&list);
        return st;
    }
    *result = list;
    return TCVM_OK;
}

static tcvm_status_t host_inputs_size(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args,
                                      size_t count, tcvm_cval_t *result)
{
    (void)count;
    sandbox_t *sb = env;
    size_t k, size = 0;
    tcvm_status_t st;
    if (!routed_input(sb, call, &args[0], &k, &st))
        return st;
    if (tcvm__host_asset(sb->job->h, TCVM_HOST_INPUT, k, &size) == NULL)
        return refuse(sb, call, "input %s is not in", sb->job->m->inputs[k].id);
    *result = tcvm_cval_u(TCVM_CT_U64, size);
    return TCVM_OK;
}

static tcvm_status_t host_inputs_read(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args,
                                      size_t count, tcvm_cval_t *result)
{
    (void)count;
    sandbox_t *sb = env;
    size_t k, size = 0;
    tcvm_status_t st;
    if (!routed_input(sb, call, &args[0], &k, &st))
        return st;
    const uint8_t *data = tcvm__host_asset(sb->job->h, TCVM_HOST_INPUT, k, &size);
    if (data == NULL)
        return refuse(sb, call, "input %s is not in", sb->job->m->inputs[k].id);
    uint64_t off = args[1].of.u, len = args[2].of.u;
    if (len > READ_MAX)
        return refuse(sb, call, "component %s asked for %llu bytes of input %s in one read; at "
                                "most %u",
                      sb->job->m->components[sb->index].id, (unsigned long long)len,
                      sb->job->m->inputs[k].id, READ_MAX);
    size_t n = off >= size ? 0 : (size - off < len ? (size_t)(size - off) : (size_t)len);
    tcvm_cval_t list;
    st = tcvm_cval_seq(TCVM_CT_LIST, n, &list);
    if (st != TCVM_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        list.of.seq.items[i] = tcvm_cval_u(TCVM_CT_U8, data[off + i]);
    *result = list;
    return TCVM_OK;
}

static tcvm_status_t host_outputs_write(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args,
                                        size_t count, tcvm_cval_t *result)
{
    (void)count;
    (void)result;
    sandbox_t *sb = env;
    const tcvm_manifest_t *m = sb->job->m;
    char name[TCVM_MANIFEST_MAX_ID_SIZE + 1];
    size_t n = args[0].of.str.size < TCVM_MANIFEST_MAX_ID_SIZE ? args[0].of.str.size
                                                               : TCVM_MANIFEST_MAX_ID_SIZE;
    memcpy(name, args[0].of.str.data, n);
    name[n] = '\0';
    size_t k;
    if (args[0].of.str.size > TCVM_MANIFEST_MAX_ID_SIZE || !tcvm_manifest_find_output(m, name, &k) ||
        !tcvm_manifest_may_write(m, sb->index, k))
        return refuse(sb, call, "component %s may not write output \"%s\": the manifest does not "
                                "make it the writer",
                      m->components[sb->index].id, name);
    tcvm_buf_t *buf = &sb->job->out->bufs[k];
    size_t add = args[1].of.seq.count;
    if ((uint64_t)buf->size + add > m->outputs[k].max_size)
        return refuse(sb, call, "component %s would make output %s larger than its limit of %llu "
                                "bytes",
                      m->components[sb->index].id, m->outputs[k].id,
                      (unsigned long long)m->outputs[k].max_size);
    tcvm_status_t st = tcvm__buf_reserve(buf, add ? add : 1);
    if (st != TCVM_OK)
        return st;
    for (size_t i = 0; i < add; i++)
        buf->data[buf->size++] = (uint8_t)args[1].of.seq.items[i].of.u;
    return TCVM_OK;
}

static tcvm_status_t host_log(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args,
                              size_t count, tcvm_cval_t *result)
{
    (void)call;
    (void)count;
    (void)result;
    sandbox_t *sb = env;
    tcvm_buf_t *log = &sb->job->out->logs[sb->index];
    size_t n = args[0].of.str.size;
    if (log->size + n + 1 > LOG_MAX) {
        sb->job->out->log_dropped[sb->index]++;
        return TCVM_OK;
    }
    if (tcvm__buf_append(log, args[0].of.str.data, n) != TCVM_OK ||
        tcvm__buf_append(log, "\n", 1) != TCVM_OK)
        return TCVM_ENOMEM;
    return TCVM_OK;
}

static tcvm_status_t channel_hook(void *env, const char *import_name, uint64_t arg_bytes)
{
    (void)import_name;
    channel_stats_t *c = env;
    c->calls++;
    c->bytes += arg_bytes;
    return TCVM_OK;
}

/* An interface name without its "@version". */
static size_t unversioned(const char *name, size_t size)
{
    const char *at = memchr(name, '@', size);
    return at ? (size_t)(at - name) : size;
}

static bool name_is(const char *name, size_t size, const char *want)
{
    size_t n = unversioned(name, size);
    return n == strlen(want) && memcmp(name, want, n) == 0;
}

/* Satisfies one imported interface of component i, or says why it cannot be. */
static tcvm_status_t link_interface(job_t *j, size_t i, const tcvm_cextern_desc_t *imp,
                                    tcvm_error_t *err)
{
    const tcvm_manifest_t *m = j->m;
    sandbox_t *sb = &j->boxes[i];
    char iface[TCVM_MANIFEST_MAX_NAME_SIZE + 1];
    if (imp->name_size > TCVM_MANIFEST_MAX_NAME_SIZE)
        return tcvm__errorf(err, TCVM_COMP_UNLINKABLE, "component %s imports an interface "
                                                       "with a name over %u bytes",
                            m->components[i].id, TCVM_MANIFEST_MAX_NAME_SIZE);
    memcpy(iface, imp->name, imp->name_size);
    iface[imp->name_size] = '\0';
    size_t fcount = tcvm_cinsttype_export_count(imp->instance);
    struct {
        const char *iface, *func;
        tcvm_chost_fn_t fn;
    } host[] = {
        {HOST_PKG "inputs", "ids", host_inputs_ids},
        {HOST_PKG "inputs", "size", host_inputs_size},
        {HOST_PKG "inputs", "read", host_inputs_read},
        {HOST_PKG "outputs", "write", host_outputs_write},
        {HOST_PKG "log", "log", host_log},
    };
    bool is_host = name_is(iface, imp->name_size, HOST_PKG "inputs") ||
                   name_is(iface, imp->name_size, HOST_PKG "outputs") ||
                   name_is(iface, imp->name_size, HOST_PKG "log");
    size_t channel = m->channel_count;
    for (size_t c = 0; !is_host && c < m->channel_count; c++) {
        if (m->channels[c].from == i && name_is(iface, imp->name_size, m->channels[c].interface)) {
            channel = c;
            break;
        }
        if (m->channels[c].from == i && strcmp(iface, m->channels[c].interface) == 0) {
            channel = c;
            break;
        }
    }
    if (!is_host && channel == m->channel_count)
        return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                            "component %s imports interface %s, which no channel of the manifest "
                            "grants it and tcvm:host does not provide",
                            m->components[i].id, iface);
    for (size_t f = 0; f < fcount; f++) {
        tcvm_cextern_desc_t d;
        tcvm_status_t st = tcvm_cinsttype_export(imp->instance, f, &d);
        if (st != TCVM_OK)
            return tcvm__errorf(err, st, "component %s: cannot read import %s",
                                m->components[i].id, iface);
        if (d.kind != TCVM_CEXTERN_FUNC)
            continue; /* types travel with the functions that use them */
        char fname[TCVM_MANIFEST_MAX_NAME_SIZE + 1];
        size_t fn_size = d.name_size < TCVM_MANIFEST_MAX_NAME_SIZE ? d.name_size
                                                                   : TCVM_MANIFEST_MAX_NAME_SIZE;
        memcpy(fname, d.name, fn_size);
        fname[fn_size] = '\0';
        if (is_host) {
            tcvm_chost_fn_t fn = NULL;
            for (size_t k = 0; k < TCVM__ARRAY_COUNT(host); k++) {
                if (name_is(iface, imp->name_size, host[k].iface) &&
                    strcmp(fname, host[k].func) == 0)
                    fn = host[k].fn;
            }
            if (fn == NULL)
                return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                                    "component %s imports %s#%s, which tcvm:host does not have "
                                    "(see wit/tcvm-host.wit)",
                                    m->components[i].id, iface, fname);
            st = tcvm_clinker_define_func(sb->linker, iface, fname, fn, sb, NULL);
        } else {
            size_t to = m->channels[channel].to;
            char export_name[2 * TCVM_MANIFEST_MAX_NAME_SIZE + 2];
            snprintf(export_name, sizeof export_name, "%s#%s", iface, fname);
            st = tcvm_clinker_forward(sb->linker, iface, fname, j->boxes[to].instance, export_name,
                                      channel_hook, &j->channels[channel]);
        }
        if (st != TCVM_OK)
            return tcvm__errorf(err, st, "component %s: cannot link %s#%s", m->components[i].id,
                                iface, fname);
    }
    return TCVM_OK;
}

/* Orders components so that every channel's callee comes before its caller. */
static tcvm_status_t callee_order(const tcvm_manifest_t *m, size_t *order, tcvm_error_t *err)
{
    size_t n = m->component_count, placed = 0;
    bool *done = tcvm__calloc(n ? n : 1, sizeof *done);
    if (done == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    while (placed < n) {
        bool progress = false;
        for (size_t i = 0; i < n; i++) {
            if (done[i])
                continue;
            bool ready = true;
            for (size_t c = 0; c < m->channel_count && ready; c++)
                if (m->channels[c].from == i && m->channels[c].to != i && !done[m->channels[c].to])
                    ready = false;
            if (ready) {
                done[i] = true;
                order[placed++] = i;
                progress = true;
            }
        }
        if (!progress) {
            tcvm__free(done);
            return tcvm__errorf(err, TCVM_HOST_POLICY,
                                "the manifest's channels form a cycle; components are "
                                "instantiated callees first, so a cycle cannot be linked");
        }
    }
    tcvm__free(done);
    return TCVM_OK;
}

/* Interrupts a sandbox whose time limit has passed. */
static void *watchdog(void *arg)
{
    job_t *j = arg;
    for (;;) {
        struct timespec d = {0, 20 * 1000000L};
        nanosleep(&d, NULL);
        pthread_mutex_lock(&j->lock);
        if (j->done) {
            pthread_mutex_unlock(&j->lock);
            return NULL;
        }
        uint64_t now = now_ms();
        for (size_t i = 0; i < j->m->component_count; i++) {
            sandbox_t *sb = &j->boxes[i];
            if (sb->instance && sb->deadline_ms && now >= sb->deadline_ms && !sb->interrupted) {
                sb->interrupted = true;
                tcvm_store_interrupt(tcvm_cinstance_store(sb->instance));
            }
        }
        pthread_mutex_unlock(&j->lock);
    }
}

static tcvm_status_t run(job_t *j, tcvm_error_t *err)
{
    const tcvm_manifest_t *m = j->m;
    size_t n = m->component_count;
    tcvm_engine_config_t ecfg = {.fuel = true, .tier = TCVM_TIER_INTERP};
    tcvm_status_t st = tcvm_engine_new(&ecfg, &j->engine);
    if (st != TCVM_OK)
        return tcvm__errorf(err, st, "cannot start the engine");
    size_t *order = j->order;
    st = callee_order(m, order, err);
    uint64_t start = now_ms();
    for (size_t k = 0; st == TCVM_OK && k < n; k++) {
        size_t i = order[k];
        const tcvm_manifest_component_t *mc = &m->components[i];
        size_t size = 0;
        const uint8_t *bytes = tcvm__host_asset(j->h, TCVM_HOST_COMPONENT, i, &size);
        tcvm_error_t cerr = {0};
        st = tcvm_component_new(j->engine, bytes, size, &j->components[i], &cerr, NULL);
        if (st != TCVM_OK) {
            st = tcvm__errorf(err, st, "component %s is not a valid component: %.400s", mc->id,
                              cerr.message);
            break;
        }
        st = tcvm_clinker_new(&j->boxes[i].linker);
        for (size_t q = 0; st == TCVM_OK && q < tcvm_component_import_count(j->components[i]);
             q++) {
            tcvm_cextern_desc_t imp;
            st = tcvm_component_import(j->components[i], q, &imp);
            if (st != TCVM_OK)
                break;
            if (imp.kind == TCVM_CEXTERN_INSTANCE) {
                st = link_interface(j, i, &imp, err);
            } else if (imp.kind != TCVM_CEXTERN_TYPE) {
                st = tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                                  "component %s imports %.*s, which is not an interface; only "
                                  "manifest channels and tcvm:host can be imported",
                                  mc->id, (int)imp.name_size, imp.name);
            }
        }
        if (st != TCVM_OK)
            break;
        tcvm_cinstance_config_t icfg = {0};
        icfg.limits.max_total_bytes = (size_t)mc->memory_limit;
        icfg.limits.max_memory_pages = (uint32_t)(mc->memory_limit / 65536);
        icfg.fuel = mc->fuel_limit;
        pthread_mutex_lock(&j->lock);
        j->boxes[i].deadline_ms = mc->time_limit_ms ? start + mc->time_limit_ms : 0;
        pthread_mutex_unlock(&j->lock);
        tcvm_cinstance_t *inst = NULL;
        st = tcvm_cinstance_new(j->engine, j->components[i], j->boxes[i].linker, &icfg, &inst,
                                &cerr);
        if (st != TCVM_OK) {
            st = tcvm__errorf(err, st, "component %s cannot be instantiated: %.400s", mc->id,
                              cerr.message);
            break;
        }
        pthread_mutex_lock(&j->lock);
        j->boxes[i].instance = inst;
        j->instantiated = k + 1;
        pthread_mutex_unlock(&j->lock);
    }
    if (st != TCVM_OK)
        return st;
    size_t e = m->entry.component;
    tcvm_cinstance_t *entry = j->boxes[e].instance;
    tcvm_cfunc_t *f = tcvm_cinstance_func(entry, m->entry.export_name);
    if (f == NULL)
        return tcvm__errorf(err, TCVM_WASM_NOT_FOUND, "component %s exports no function %s",
                            m->components[e].id, m->entry.export_name);
    const tcvm_cfunctype_t *ft = tcvm_cfunc_type(f);
    if (tcvm_cfunctype_param_count(ft) != 0)
        return tcvm__errorf(err, TCVM_WASM_TYPE, "the entry %s of %s takes parameters; it must "
                                                 "be func() or func() -> result<_, string>",
                            m->entry.export_name, m->components[e].id);
    tcvm_cval_t res = {0};
    const tcvm_ctype_t *rt = tcvm_cfunctype_result(ft);
    st = tcvm_cfunc_call(entry, f, NULL, 0, rt ? &res : NULL);
    if (st != TCVM_OK) {
        /* Which sandbox failed: the one that is no longer usable, else the entry. */
        size_t who = e;
        for (size_t i = 0; i < n; i++)
            if (j->boxes[i].instance && !tcvm_cinstance_usable(j->boxes[i].instance))
                who = i;
        const char *detail = tcvm_cinstance_error(j->boxes[who].instance)->message;
        if (j->refusal[0])
            return tcvm__errorf(err, TCVM_HOST_POLICY, "refused call: %s", j->refusal);
        if (j->boxes[who].interrupted || st == TCVM_TRAP_INTERRUPTED)
            return tcvm__errorf(err, TCVM_ETIMEOUT, "component %s ran past its time limit",
                                m->components[who].id);
        if (st == TCVM_TRAP_OUT_OF_FUEL)
            return tcvm__errorf(err, st, "component %s ran out of fuel (limit %llu)",
                                m->components[who].id,
                                (unsigned long long)m->components[who].fuel_limit);
        return tcvm__errorf(err, st, "component %s trapped: %s%s%.380s", m->components[who].id,
                            tcvm_status_message(st), detail[0] ? ": " : "", detail);
    }
    if (rt != NULL && tcvm_ctype_kind(rt) == TCVM_CT_RESULT && res.of.var.index == 1) {
        char msg[400] = "";
        if (res.of.var.payload && res.of.var.payload->kind == TCVM_CT_STRING)
            snprintf(msg, sizeof msg, "%.*s", (int)res.of.var.payload->of.str.size,
                     res.of.var.payload->of.str.data);
        tcvm_cval_clear(&res);
        return tcvm__errorf(err, TCVM_HOST_JOB_FAILED, "the entry %s of %s returned an error: %s",
                            m->entry.export_name, m->components[e].id, msg);
    }
    tcvm_cval_clear(&res);
    return TCVM_OK;
}

tcvm_status_t tcvm__host_job_run(tcvm_host_t *h, tcvm_host_job_outputs_t *out, tcvm_error_t *err)
{
    const tcvm_manifest_t *m = tcvm_host_manifest(h);
    job_t j = {.h = h, .m = m, .out = out};
    size_t n = m->component_count;
    j.components = tcvm__calloc(n, sizeof *j.components);
    j.boxes = tcvm__calloc(n, sizeof *j.boxes);
    j.channels = tcvm__calloc(m->channel_count ? m->channel_count : 1, sizeof *j.channels);
    j.order = tcvm__calloc(n, sizeof *j.order);
    if (j.components == NULL || j.boxes == NULL || j.channels == NULL || j.order == NULL) {
        tcvm__free(j.order);
        tcvm__free(j.components);
        tcvm__free(j.boxes);
        tcvm__free(j.channels);
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        j.boxes[i].job = &j;
        j.boxes[i].index = i;
    }
    for (size_t c = 0; c < m->channel_count; c++) {
        j.channels[c].job = &j;
        j.channels[c].channel = c;
    }
    pthread_mutex_init(&j.lock, NULL);
    pthread_t dog;
    bool dog_running = pthread_create(&dog, NULL, watchdog, &j) == 0;
    tcvm_status_t st = dog_running ? run(&j, err)
                                   : tcvm__errorf(err, TCVM_EINTERNAL, "cannot start the watchdog");
    pthread_mutex_lock(&j.lock);
    j.done = true;
    pthread_mutex_unlock(&j.lock);
    if (dog_running)
        pthread_join(dog, NULL);
    for (size_t c = 0; c < m->channel_count; c++) {
        const tcvm_manifest_channel_t *ch = &m->channels[c];
        tcvm_transcript_field_t f[] = {
            TCVM_TFIELD_STR("from", m->components[ch->from].id),
            TCVM_TFIELD_STR("to", m->components[ch->to].id),
            TCVM_TFIELD_STR("interface", ch->interface),
            TCVM_TFIELD_U64("calls", j.channels[c].calls),
            TCVM_TFIELD_U64("bytes", j.channels[c].bytes),
        };
        tcvm__host_record(h, "channel.total", f, 5);
    }
    /* Callers before callees: an instance is freed only after every instance forwarding to it. */
    for (size_t k = j.instantiated; k-- > 0;)
        tcvm_cinstance_free(j.boxes[j.order[k]].instance);
    for (size_t i = 0; i < n; i++) {
        tcvm_clinker_free(j.boxes[i].linker);
        tcvm_component_free(j.components[i]);
    }
    tcvm_engine_free(j.engine);
    pthread_mutex_destroy(&j.lock);
    tcvm__free(j.components);
    tcvm__free(j.boxes);
    tcvm__free(j.channels);
    tcvm__free(j.order);
    return st;
}

#endif
