/*
 * Compiled kernels of the simulated Coherent Ising Machine (hiqlip_plugin.samplers._kernels).
 *
 * Thin C under hiqlip_plugin.samplers.native: argument checking, schedules, noise and result assembly stay in
 * Python; this file only runs chunks of Euler steps over all replicas at once. The state of B replicas is an
 * n x W float32 matrix stored row-major (W = B rounded up to a multiple of 8 lanes), so that one coupling
 * J_ij multiplies the W contiguous values of row j: a product J v is one pass over the CSR matrix J in which
 * each non-zero is a broadcast and W / 8 fused multiply-adds held in registers.
 *
 * Each step updates the amplitudes element-wise and needs J s for the signs s = sign(x) (the feedback of
 * discrete simulated bifurcation, the energies of all algorithms). That product is kept from step to step:
 * when few signs flip, as in the second half of a run, adding J (s_new - s_old) for the flipped spins costs a
 * fraction of a product, and a full product runs when many flip and every `refresh` steps. Each replica's best
 * sign vector (under the energy -1/2 s^T J s) and the step at which it was found are tracked here too, so
 * nothing is stored per step.
 *
 * Every function that takes the tracker buffers checks their lengths: energy holds 2 x width float64 (the
 * energies, then the sums of |(J s)_i| that scale their rounding), best n x width float32, best_energy width
 * float64 and best_step width int64.
 *
 * The hot functions are compiled for several instruction sets (target_clones: x86-64-v4 with AVX-512,
 * x86-64-v3 with AVX2 and FMA, and the baseline) with GCC 12 or later, the first to accept these arch levels
 * in target_clones and __builtin_cpu_supports (older compilers build the baseline only); the loader picks one
 * at import.
 * The arithmetic is deterministic for a given machine and build: same inputs, same outputs.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#define LANES 8          /* floats per vector unit; W is a multiple of it */
#define MAX_VECTORS 4    /* vectors held in registers per row product: blocks of 32 replicas */

typedef float vec __attribute__((vector_size(LANES * sizeof(float))));

#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(_M_X64)) && __GNUC__ >= 12
#define HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HOT
#endif

static inline __attribute__((always_inline)) vec load_vec(const float *p) {
    vec v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void store_vec(float *p, vec v) { memcpy(p, &v, sizeof v); }

typedef struct {
    Py_ssize_t n;      /* rows */
    Py_ssize_t width;  /* lanes per row (padded replicas) */
    const int64_t *indptr;   /* n + 1 row starts */
    const int64_t *offsets;  /* column index times width, per non-zero */
    const float *data;
} Csr;

/* A state replaces a replica's best only if its energy is lower by more than ROUNDING times the sum of
 * |s_i (J s)_i| over its rows: float32 fields (and their updates from flipped spins) make energies uncertain by
 * a few float32 epsilons of that sum, and a revisited best state must not count as new. */
#define ROUNDING 1e-5

typedef struct {
    double *energy;       /* width: energy of the last evaluated signs */
    double *magnitude;    /* width: sum over rows of |s_i (J s)_i|, the scale of the energy's rounding */
    float *best;          /* n x width: best signs so far */
    double *best_energy;  /* width */
    int64_t *best_step;   /* width */
} Tracker;

/* out[k] = sum_p data[p] * v[offsets[p] + b0 + k] over row i, for NV vectors (8 * NV lanes). UNROLL
 * independent accumulator sets hide the latency of the fused multiply-adds. */
#define UNROLL 4
static inline __attribute__((always_inline)) void row_product(const Csr *J, Py_ssize_t i, const float *v,
                                                              Py_ssize_t b0, int NV, vec *out) {
    vec a[UNROLL][MAX_VECTORS];
    for (int u = 0; u < UNROLL; u++)
        for (int k = 0; k < NV; k++) a[u][k] = (vec){0};
    const int64_t *offsets = J->offsets;
    const float *data = J->data;
    const float *base = v + b0;
    int64_t p = J->indptr[i];
    const int64_t end = J->indptr[i + 1];
    for (; p + UNROLL <= end; p += UNROLL) {
        for (int u = 0; u < UNROLL; u++) {
            const float *r = base + offsets[p + u];
            const float w = data[p + u];
            for (int k = 0; k < NV; k++) a[u][k] += w * load_vec(r + LANES * k);
        }
    }
    for (; p < end; p++) {
        const float *r = base + offsets[p];
        const float w = data[p];
        for (int k = 0; k < NV; k++) a[0][k] += w * load_vec(r + LANES * k);
    }
    for (int k = 0; k < NV; k++) out[k] = (a[0][k] + a[1][k]) + (a[2][k] + a[3][k]);
}

/* Keep the lanes whose energy beats their best: their signs, energy and step. Steps only grow, so the lanes
 * with best_step == step are the ones improved now (or, when the last step is evaluated again, ones whose
 * signs have not changed since). */
HOT static void record(const Csr *J, const Tracker *t, const float *s, int64_t step) {
    const Py_ssize_t width = J->width;
    int any = 0;
    for (Py_ssize_t b = 0; b < width; b++) {
        if (t->energy[b] < t->best_energy[b] - ROUNDING * t->magnitude[b]) {
            any = 1;
            t->best_energy[b] = t->energy[b];
            t->best_step[b] = step;
        }
    }
    if (!any) return;
    const int64_t *steps = t->best_step;
    for (Py_ssize_t i = 0; i < J->n; i++) {
        float *best = t->best + i * width;
        const float *row = s + i * width;
        for (Py_ssize_t b = 0; b < width; b++) best[b] = steps[b] == step ? row[b] : best[b];
    }
}

/* field[i, b0 : b0 + 8 nv] = (J v)[i, ...] for row i and nv vectors of lanes. */
static inline __attribute__((always_inline)) void row_field(const Csr *J, Py_ssize_t i, const float *v,
                                                            Py_ssize_t b0, int nv, vec *field) {
    switch (nv) {
        case 4: row_product(J, i, v, b0, 4, field); break;
        case 3: row_product(J, i, v, b0, 3, field); break;
        case 2: row_product(J, i, v, b0, 2, field); break;
        default: row_product(J, i, v, b0, 1, field); break;
    }
}

/* Number of vectors of the lane block starting at b0 (blocks of MAX_VECTORS vectors, the last one shorter). */
static inline int block_vectors(Py_ssize_t width, Py_ssize_t b0) {
    const Py_ssize_t left = width - b0;
    return (int)((left < LANES * MAX_VECTORS ? left : LANES * MAX_VECTORS) / LANES);
}

/* field = J s, the whole n x width matrix. */
HOT static void full_field(const Csr *J, const float *s, float *field) {
    const Py_ssize_t width = J->width;
    vec f[MAX_VECTORS];
    for (Py_ssize_t i = 0; i < J->n; i++) {
        for (Py_ssize_t b0 = 0; b0 < width; b0 += LANES * MAX_VECTORS) {
            const int nv = block_vectors(width, b0);
            row_field(J, i, s, b0, nv, f);
            for (int k = 0; k < nv; k++) store_vec(field + i * width + b0 + LANES * k, f[k]);
        }
    }
}

/* energy[b] = -1/2 sum_i s[i, b] field[i, b], accumulated in double. */
HOT static void energies(const Csr *J, const Tracker *t, const float *s, const float *field) {
    const Py_ssize_t width = J->width;
    for (Py_ssize_t b0 = 0; b0 < width; b0 += LANES) {  /* one block of lanes at a time, sums in registers */
        double energy[LANES] = {0}, magnitude[LANES] = {0};
        for (Py_ssize_t i = 0; i < J->n; i++) {
            const float *si = s + i * width + b0, *fi = field + i * width + b0;
            for (int k = 0; k < LANES; k++) {
                energy[k] -= 0.5 * (double)(si[k] * fi[k]);
                magnitude[k] += fabs((double)fi[k]);
            }
        }
        memcpy(t->energy + b0, energy, sizeof energy);
        memcpy(t->magnitude + b0, magnitude, sizeof magnitude);
    }
}

/* field = J s and the energies of s, recorded at step. */
static void evaluate(const Csr *J, const Tracker *t, const float *s, float *field, int64_t step) {
    full_field(J, s, field);
    energies(J, t, s, field);
    record(J, t, s, step);
}

/* Every kernel keeps field = J s from step to step. Late in a run few spins flip, and adding J (s_new - s_old)
 * costs far less than a product: each step takes the cheaper of the two, and a full product at least every
 * `refresh` steps (an argument; 64 from Python) so that rounding cannot accumulate. Costs are in units of one
 * broadcast multiply-add of 8 lanes. */
#define SCALAR_COST 2   /* one flipped lane, per non-zero of its row: scalar load, multiply-add and store */
#define VECTOR_COST 2   /* all lanes of a row, per non-zero and vector: load, multiply-add and store */

/* field += J delta, with delta = s_new - s_old (0 or +-2 per lane): flipped lanes one by one, or whole rows
 * of lanes when several of them flipped. */
HOT static void scatter_flips(const Csr *J, const float *restrict delta, float *restrict field) {
    const Py_ssize_t width = J->width;
    for (Py_ssize_t i = 0; i < J->n; i++) {
        const float *di = delta + i * width;
        int flips = 0;
        for (Py_ssize_t b = 0; b < width; b++) flips += di[b] != 0.0f;
        if (flips == 0) continue;
        const int64_t start = J->indptr[i], end = J->indptr[i + 1];
        if (flips * SCALAR_COST < (width / LANES) * VECTOR_COST) {
            for (Py_ssize_t b = 0; b < width; b++) {
                if (di[b] == 0.0f) continue;
                const float d = di[b];
                for (int64_t p = start; p < end; p++) field[J->offsets[p] + b] += J->data[p] * d;
            }
        } else {
            for (int64_t p = start; p < end; p++) {
                float *row = field + J->offsets[p];
                const float w = J->data[p];
                for (Py_ssize_t b = 0; b < width; b += LANES) store_vec(row + b, load_vec(row + b) + w * load_vec(di + b));
            }
        }
    }
}

/* Bring field = J s up to date after a step whose sign changes are in delta (flips of them): a full product
 * every `refresh` steps or when the flips would cost more, else J delta added. */
static void update_field(const Csr *J, const float *s, const float *delta, int64_t flips, int64_t step,
                         int64_t refresh, float *field) {
    if (step % refresh == 0 || flips * SCALAR_COST >= (int64_t)J->n * (J->width / LANES))
        full_field(J, s, field);
    else if (flips)
        scatter_flips(J, delta, field);
}

/* s[e] = sign(value), delta[e] = the change of s[e]; returns whether it flipped. */
static inline __attribute__((always_inline)) int set_sign(float *restrict s, float *restrict delta, Py_ssize_t e,
                                                          float value) {
    const float sign = value >= 0.0f ? 1.0f : -1.0f;
    delta[e] = sign - s[e];
    s[e] = sign;
    return delta[e] != 0.0f;
}

/* Discrete simulated bifurcation: num_steps symplectic Euler steps with pump a = schedule[j]. field holds
 * J s on entry (from evaluate or the previous call) and on exit; delta is n x width scratch, previous too
 * (used when heat != 0). */
HOT static void dsb_steps(const Csr *J, const Tracker *t, float *restrict x, float *restrict y,
                          float *restrict previous, float *restrict s, float *restrict field,
                          float *restrict delta, const double *schedule, Py_ssize_t num_steps,
                          int64_t first_step, int64_t refresh, float dt, float gain, float heat) {
    const Py_ssize_t size = J->n * J->width;
    const float kick = dt * gain, h = dt * heat;
    for (Py_ssize_t j = 0; j < num_steps; j++) {
        const int64_t step = first_step + j;
        const float pull = dt * (float)(1.0 - schedule[j]);
        if (heat != 0.0f) memcpy(previous, y, (size_t)size * sizeof(float));
        int64_t flips = 0;
        for (Py_ssize_t e = 0; e < size; e++) {
            float yy = y[e] - pull * x[e];
            float xx = x[e] + dt * yy;
            if (fabsf(xx) > 1.0f) {
                xx = xx > 0.0f ? 1.0f : -1.0f;
                yy = 0.0f;
            }
            x[e] = xx;
            y[e] = yy;
            flips += set_sign(s, delta, e, xx);
        }
        update_field(J, s, delta, flips, step, refresh, field);
        for (Py_ssize_t e = 0; e < size; e++) y[e] += kick * field[e];
        if (heat != 0.0f)
            for (Py_ssize_t e = 0; e < size; e++) y[e] += h * previous[e];
        energies(J, t, s, field);
        record(J, t, s, step);
    }
}

enum { KIND_CAC = 0, KIND_CFC = 1, KIND_SIMCIM = 2 };

/* Amplitude dynamics (CAC, CFC, SimCIM): each step computes J x into fx for the update of x, the auxiliary
 * variables z (error variables for CAC/CFC, velocities for SimCIM) and s = sign(x), then brings field = J s up
 * to date as dSB does (from the flips when cheaper) for the energy of s, recorded as step first_step + j.
 * field holds J s on entry and exit; fx and delta are n x width scratch. */
HOT static void amplitude_steps(const Csr *J, const Tracker *t, int kind, float *restrict x, float *restrict z,
                                float *restrict s, float *restrict field, float *restrict fx,
                                float *restrict delta, const double *pump, const double *target,
                                const float *noise, Py_ssize_t num_steps, int64_t first_step, int64_t refresh,
                                const double *p) {
    const Py_ssize_t size = J->n * J->width;
    const float dt = (float)p[0], gain = (float)p[1], beta = (float)p[2], alpha = (float)p[3];
    const float cap = (float)p[4], momentum = (float)p[5], sigma = (float)p[6];
    for (Py_ssize_t j = 0; j < num_steps; j++) {
        const int64_t step = first_step + j;
        full_field(J, x, fx);
        const float pj = (float)pump[j], aj = (float)target[j];
        int64_t flips = 0;
        if (kind == KIND_CAC) {
            const float limit = 1.5f * sqrtf(aj);
            for (Py_ssize_t e = 0; e < size; e++) {
                const float xe = x[e], feedback = gain * z[e] * fx[e];
                float xn = xe + dt * ((pj - 1.0f - xe * xe) * xe + feedback);
                float zn = z[e] * (1.0f - dt * beta * (xn * xn - aj));
                z[e] = zn < cap ? zn : cap;
                xn = xn > limit ? limit : (xn < -limit ? -limit : xn);
                x[e] = xn;
                flips += set_sign(s, delta, e, xn);
            }
        } else if (kind == KIND_CFC) {
            for (Py_ssize_t e = 0; e < size; e++) {
                const float xe = x[e], feedback = gain * z[e] * fx[e];
                float xn = xe + dt * ((pj - 1.0f - xe * xe) * xe + feedback);
                xn = xn > 1.5f ? 1.5f : (xn < -1.5f ? -1.5f : xn);
                float zn = z[e] * (1.0f - dt * beta * (feedback * feedback - alpha));
                z[e] = zn < 0.01f ? 0.01f : (zn > cap ? cap : zn);
                x[e] = xn;
                flips += set_sign(s, delta, e, xn);
            }
        } else {
            const float *w = noise + j * size;
            for (Py_ssize_t e = 0; e < size; e++) {
                const float xe = x[e];
                const float force = dt * gain * fx[e] + pj * dt * xe + dt * sigma * w[e];
                const float v = momentum * z[e] + (1.0f - momentum) * force;
                z[e] = v;
                const float xn = fabsf(xe + v) < 1.0f ? xe + v : xe;
                x[e] = xn;
                flips += set_sign(s, delta, e, xn);
            }
        }
        update_field(J, s, delta, flips, step, refresh, field);
        energies(J, t, s, field);
        record(J, t, s, step);
    }
}

/* ---------------------------------------------------------------------------------------------------------
 * Python bindings. Arguments are C-contiguous buffers of the documented types; every length is checked here
 * so that a wrong call raises ValueError instead of touching memory it does not own.
 */

static int check_length(const Py_buffer *view, Py_ssize_t count, Py_ssize_t item, const char *name) {
    if (view->len != count * item) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd bytes (%zd items), got %zd", name, count * item, count,
                     view->len);
        return -1;
    }
    return 0;
}

static int check_refresh(long long refresh) {
    if (refresh < 1) {
        PyErr_Format(PyExc_ValueError, "refresh must be at least 1, got %lld", refresh);
        return -1;
    }
    return 0;
}

typedef struct {
    Py_buffer indptr, offsets, data, energy, best, best_energy, best_step;
} CommonViews;

static void release(Py_buffer **views, int count) {
    for (int k = 0; k < count; k++)
        if (views[k]->obj != NULL) PyBuffer_Release(views[k]);
}

/* Validate the CSR matrix (column offsets = column index x width) and the tracker; fill the structs. */
static int setup(CommonViews *c, Py_ssize_t width, Csr *J, Tracker *t) {
    if (width <= 0 || width % LANES != 0) {
        PyErr_Format(PyExc_ValueError, "width must be a positive multiple of %d, got %zd", LANES, width);
        return -1;
    }
    if (c->indptr.len < (Py_ssize_t)sizeof(int64_t) || c->indptr.len % (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "indptr must hold n + 1 >= 1 int64 values");
        return -1;
    }
    const Py_ssize_t n = c->indptr.len / (Py_ssize_t)sizeof(int64_t) - 1;
    const int64_t *indptr = c->indptr.buf;
    const Py_ssize_t nnz = c->offsets.len / (Py_ssize_t)sizeof(int64_t);
    if (check_length(&c->offsets, nnz, sizeof(int64_t), "offsets") ||
        check_length(&c->data, nnz, sizeof(float), "data") ||
        check_length(&c->energy, 2 * width, sizeof(double), "energy") ||
        check_length(&c->best, n * width, sizeof(float), "best") ||
        check_length(&c->best_energy, width, sizeof(double), "best_energy") ||
        check_length(&c->best_step, width, sizeof(int64_t), "best_step"))
        return -1;
    if (indptr[0] != 0 || indptr[n] != nnz) {
        PyErr_SetString(PyExc_ValueError, "indptr must start at 0 and end at the number of non-zeros");
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (indptr[i + 1] < indptr[i]) {
            PyErr_SetString(PyExc_ValueError, "indptr must be non-decreasing");
            return -1;
        }
    }
    /* Every lane read through an offset must lie inside the n x width state (offsets that are not multiples of
     * the width would give wrong sums, but NativeMachine never builds them; bounds are what memory needs). */
    const int64_t *offsets = c->offsets.buf;
    const int64_t last = (int64_t)((n - 1) * width);
    int bad = 0;
    for (Py_ssize_t p = 0; p < nnz; p++) bad |= (offsets[p] < 0) | (offsets[p] > last);
    if (bad) {
        PyErr_Format(PyExc_ValueError, "offsets must be column indices below %zd times the width %zd", n, width);
        return -1;
    }
    *J = (Csr){n, width, indptr, offsets, c->data.buf};
    *t = (Tracker){c->energy.buf, (double *)c->energy.buf + width, c->best.buf, c->best_energy.buf,
                   c->best_step.buf};
    return 0;
}

#define COMMON_FORMAT "y*y*y*w*w*w*w*"
#define COMMON_ARGS(c) &(c).indptr, &(c).offsets, &(c).data, &(c).energy, &(c).best, &(c).best_energy, \
                       &(c).best_step
#define COMMON_VIEWS(c) &(c).indptr, &(c).offsets, &(c).data, &(c).energy, &(c).best, &(c).best_energy, \
                        &(c).best_step

PyDoc_STRVAR(evaluate_doc,
             "evaluate(indptr, offsets, data, energy, best, best_energy, best_step, signs, field, width, step)\n\n"
             "field = J signs and the energies -1/2 s^T J s of the n x width float32 signs; record the lanes that\n"
             "beat their best at step.");

static PyObject *py_evaluate(PyObject *self, PyObject *args) {
    CommonViews c = {0};
    Py_buffer signs = {0}, field = {0};
    Py_ssize_t width;
    long long step;
    if (!PyArg_ParseTuple(args, COMMON_FORMAT "y*w*nL", COMMON_ARGS(c), &signs, &field, &width, &step))
        return NULL;
    Py_buffer *views[] = {COMMON_VIEWS(c), &signs, &field};
    Csr J;
    Tracker t;
    if (setup(&c, width, &J, &t) || check_length(&signs, J.n * width, sizeof(float), "signs") ||
        check_length(&field, J.n * width, sizeof(float), "field")) {
        release(views, 9);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    evaluate(&J, &t, signs.buf, field.buf, (int64_t)step);
    Py_END_ALLOW_THREADS
    release(views, 9);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(dsb_doc,
             "dsb(indptr, offsets, data, energy, best, best_energy, best_step, x, y, signs, field, schedule,\n"
             "    width, first_step, refresh, dt, gain, heat)\n\n"
             "Run len(schedule) steps of discrete simulated bifurcation (float64 pump values a_t) on the n x width\n"
             "float32 positions x and momenta y; signs holds sign(x) and field J signs, on entry (see evaluate)\n"
             "and on exit, recomputed in full at least every refresh >= 1 steps. Step first_step + j is recorded\n"
             "after the j-th step.");

static PyObject *py_dsb(PyObject *self, PyObject *args) {
    CommonViews c = {0};
    Py_buffer x = {0}, y = {0}, signs = {0}, field = {0}, schedule = {0};
    Py_ssize_t width;
    long long first_step, refresh;
    double dt, gain, heat;
    if (!PyArg_ParseTuple(args, COMMON_FORMAT "w*w*w*w*y*nLLddd", COMMON_ARGS(c), &x, &y, &signs, &field,
                          &schedule, &width, &first_step, &refresh, &dt, &gain, &heat))
        return NULL;
    Py_buffer *views[] = {COMMON_VIEWS(c), &x, &y, &signs, &field, &schedule};
    Csr J;
    Tracker t;
    if (setup(&c, width, &J, &t) || check_length(&x, J.n * width, sizeof(float), "x") ||
        check_length(&y, J.n * width, sizeof(float), "y") ||
        check_length(&signs, J.n * width, sizeof(float), "signs") ||
        check_length(&field, J.n * width, sizeof(float), "field") ||
        check_length(&schedule, schedule.len / (Py_ssize_t)sizeof(double), sizeof(double), "schedule") ||
        check_refresh(refresh)) {
        release(views, 12);
        return NULL;
    }
    const Py_ssize_t steps = schedule.len / (Py_ssize_t)sizeof(double), size = J.n * width;
    float *delta = PyMem_RawMalloc((size_t)(size > 0 ? size : 1) * sizeof(float));
    float *previous = heat != 0.0 ? PyMem_RawMalloc((size_t)(size > 0 ? size : 1) * sizeof(float)) : NULL;
    if (delta == NULL || (heat != 0.0 && previous == NULL)) {
        PyMem_RawFree(delta);
        PyMem_RawFree(previous);
        release(views, 12);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    dsb_steps(&J, &t, x.buf, y.buf, previous, signs.buf, field.buf, delta, schedule.buf, steps,
              (int64_t)first_step, (int64_t)refresh, (float)dt, (float)gain, (float)heat);
    Py_END_ALLOW_THREADS
    PyMem_RawFree(delta);
    PyMem_RawFree(previous);
    release(views, 12);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(amplitude_doc,
             "amplitude(indptr, offsets, data, energy, best, best_energy, best_step, kind, x, z, signs, field,\n"
             "          pump, target, noise, width, first_step, refresh, params)\n\n"
             "Run len(pump) steps of CAC (kind 0), CFC (1) or SimCIM (2) on the n x width float32 amplitudes x\n"
             "and auxiliary variables z (error variables or velocities); signs holds sign(x) and field J signs,\n"
             "on entry (see evaluate) and on exit (as in dsb). pump and target are float64 per step (target: CAC only),\n"
             "noise holds len(pump) x n x width float32 standard normals (SimCIM only, else empty). params is\n"
             "(dt, gain, beta, alpha, error_cap, momentum, noise). Step first_step + j is recorded after the\n"
             "j-th step.");

static PyObject *py_amplitude(PyObject *self, PyObject *args) {
    CommonViews c = {0};
    Py_buffer x = {0}, z = {0}, signs = {0}, field = {0}, pump = {0}, target = {0}, noise = {0};
    int kind;
    Py_ssize_t width;
    long long first_step, refresh;
    double p[7];
    if (!PyArg_ParseTuple(args, COMMON_FORMAT "iw*w*w*w*y*y*y*nLL(ddddddd)", COMMON_ARGS(c), &kind, &x, &z,
                          &signs, &field, &pump, &target, &noise, &width, &first_step, &refresh, &p[0], &p[1],
                          &p[2], &p[3], &p[4], &p[5], &p[6]))
        return NULL;
    Py_buffer *views[] = {COMMON_VIEWS(c), &x, &z, &signs, &field, &pump, &target, &noise};
    Csr J;
    Tracker t;
    const Py_ssize_t steps = pump.len / (Py_ssize_t)sizeof(double);
    if (setup(&c, width, &J, &t) || check_length(&x, J.n * width, sizeof(float), "x") ||
        check_length(&z, J.n * width, sizeof(float), "z") ||
        check_length(&signs, J.n * width, sizeof(float), "signs") ||
        check_length(&field, J.n * width, sizeof(float), "field") ||
        check_length(&pump, steps, sizeof(double), "pump") ||
        check_length(&target, kind == KIND_CAC ? steps : 0, sizeof(double), "target") ||
        check_length(&noise, kind == KIND_SIMCIM ? steps * J.n * width : 0, sizeof(float), "noise") ||
        check_refresh(refresh)) {
        release(views, 14);
        return NULL;
    }
    if (kind != KIND_CAC && kind != KIND_CFC && kind != KIND_SIMCIM) {
        PyErr_Format(PyExc_ValueError, "kind must be 0 (CAC), 1 (CFC) or 2 (SimCIM), got %d", kind);
        release(views, 14);
        return NULL;
    }
    const size_t bytes = (size_t)(J.n * width > 0 ? J.n * width : 1) * sizeof(float);
    float *fx = PyMem_RawMalloc(bytes), *delta = PyMem_RawMalloc(bytes);
    if (fx == NULL || delta == NULL) {
        PyMem_RawFree(fx);
        PyMem_RawFree(delta);
        release(views, 14);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    amplitude_steps(&J, &t, kind, x.buf, z.buf, signs.buf, field.buf, fx, delta, pump.buf,
                    kind == KIND_CAC ? (const double *)target.buf : pump.buf, noise.buf, steps,
                    (int64_t)first_step, (int64_t)refresh, p);
    Py_END_ALLOW_THREADS
    PyMem_RawFree(fx);
    PyMem_RawFree(delta);
    release(views, 14);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(instruction_set_doc,
             "instruction_set()\n\nThe vector instruction set the kernels run with on this machine: 'avx512', "
             "'avx2', or 'baseline'.");

static PyObject *py_instruction_set(PyObject *self, PyObject *unused) {
#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(_M_X64)) && __GNUC__ >= 12
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return PyUnicode_FromString("avx512");
    if (__builtin_cpu_supports("x86-64-v3")) return PyUnicode_FromString("avx2");
#endif
    return PyUnicode_FromString("baseline");
}

static PyMethodDef methods[] = {
    {"evaluate", py_evaluate, METH_VARARGS, evaluate_doc},
    {"dsb", py_dsb, METH_VARARGS, dsb_doc},
    {"amplitude", py_amplitude, METH_VARARGS, amplitude_doc},
    {"instruction_set", py_instruction_set, METH_NOARGS, instruction_set_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels", "Compiled CIM kernels (see hiqlip_plugin.samplers.native).", -1, methods,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
