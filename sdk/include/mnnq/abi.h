/*
 * mnnq plugin ABI: the only contract between the `mnnq` host and a plugin library.
 *
 * Everything that crosses a library boundary is declared here, in C: plain structs, enums,
 * function pointers and NUL-terminated UTF-8 strings. No C++ object, exception or allocation
 * crosses (a plugin and the host may be built by different compilers or standard libraries).
 * Plugin authors normally do not use this file directly: `mnnq/plugin.hpp` wraps it in small
 * C++ base classes and one export macro. It is documented so that a plugin can also be
 * written in plain C, and so that the host's checks are explicit.
 *
 * Life of a plugin library
 *   1. The host lists candidate files and skips, without running any code, those whose
 *      symbol table has no `mnnq` section (Boost.DLL library_info).
 *   2. It loads the library and calls the exported entry `mnnq_plugin_entry`, which returns a
 *      pointer to a static `mnnq_plugin_info`.
 *   3. It checks `abi_version == MNNQ_ABI_VERSION` exactly, `struct_size` and the kind's vtable
 *      `struct_size`, and refuses the file with a message naming it and both versions otherwise.
 *   4. The library stays loaded until the host exits; every object a plugin creates is
 *      destroyed through its own vtable before that.
 *
 * Versioning policy: MNNQ_ABI_VERSION changes whenever a field or function pointer is removed,
 * reordered or changes meaning. Appending a function pointer at the end of a vtable does not
 * change the version: the vtable's `struct_size` tells the host whether the plugin has it, and
 * the host treats a missing one as NULL.
 *
 * History: ABI 2 added the host context (mnnq_host: thread budget, parallel_for, log, config
 * values, embedder data) to every create, struct_size/flags/choices to mnnq_config_key,
 * host_keys to mnnq_plugin_info, mnnq_tensor_batch for observe/transform, the calibrator
 * capability flags TRANSFORMS and REPRODUCES_MNN, and host-enforced call order. A plugin built
 * for ABI 1 is refused ("<file>: plugin ABI 1, host supports 2"); rebuild it against this SDK.
 *
 * Ownership: every pointer passed by the host to a plugin is borrowed for the duration of the
 * call unless the comment says otherwise (the mnnq_host given to create lives until destroy). Every buffer a plugin writes results into is owned
 * by the host and sized as the comment says. Strings returned by a plugin (names) must stay
 * valid until that object's destroy call.
 *
 * Threads: `create` and `destroy` run on one thread. Calls that may run concurrently are
 * marked "thread-safe" below; all other calls on one object are serialised by the host.
 */
#ifndef MNNQ_ABI_H
#define MNNQ_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MNNQ_ABI_VERSION 2u

/* Name of the exported entry point and of the section it is placed in. */
#define MNNQ_PLUGIN_ENTRY_NAME "mnnq_plugin_entry"
#define MNNQ_PLUGIN_SECTION_NAME "mnnq"

/* Result of every plugin call. Details go into the host-owned mnnq_message. */
typedef enum mnnq_status {
  MNNQ_OK = 0,
  MNNQ_SKIP = 1,             /* input source: this sample is unusable (message says why); the
                                host warns once, counts it and goes on with the next one */
  MNNQ_INVALID_ARGUMENT = 2, /* bad configuration value or bad data given by the user */
  MNNQ_INVALID_STATE = 3,    /* calls made in the wrong order (a host bug) */
  MNNQ_UNSUPPORTED = 4,      /* valid request that this plugin does not implement */
  MNNQ_IO_ERROR = 5,         /* a file could not be read */
  MNNQ_INTERNAL_ERROR = 6    /* anything else, including out of memory */
} mnnq_status;

/* Host-owned message buffer. A plugin writes at most capacity-1 bytes and a NUL. */
typedef struct mnnq_message {
  char* text;
  size_t capacity;
} mnnq_message;

typedef enum mnnq_kind {
  MNNQ_KIND_FEATURE_CALIBRATOR = 1, /* computes activation (feature) quantization parameters */
  MNNQ_KIND_WEIGHT_QUANTIZER = 2,   /* turns float convolution weights into integers + scales */
  MNNQ_KIND_INPUT_SOURCE = 3        /* yields calibration samples as float tensors */
} mnnq_kind;

/* ---------------------------------------------------------------------------------------- */
/* Configuration keys                                                                         */
/* ---------------------------------------------------------------------------------------- */

/* Type of a configuration key a plugin accepts; the host validates user configs against it. */
typedef enum mnnq_value_type {
  MNNQ_VALUE_BOOL = 1,
  MNNQ_VALUE_INT = 2,
  MNNQ_VALUE_NUMBER = 3,
  MNNQ_VALUE_STRING = 4,
  MNNQ_VALUE_NUMBER_LIST = 5,
  MNNQ_VALUE_INT_LIST = 6,
  MNNQ_VALUE_STRING_LIST = 7,
  MNNQ_VALUE_JSON = 8 /* any JSON value; the plugin checks it itself */
} mnnq_value_type;

/* mnnq_config_key.flags */
enum {
  MNNQ_KEY_HAS_MIN = 1u << 0, /* min_value applies */
  MNNQ_KEY_HAS_MAX = 1u << 1  /* max_value applies */
};

/* One configuration key a plugin declares (keys of its own; host keys it reads are listed by
   name in mnnq_plugin_info.host_keys instead). The host validates every user config against
   these declarations before create, so a plugin receives only values that fit them. */
typedef struct mnnq_config_key {
  uint32_t struct_size;     /* sizeof(mnnq_config_key) the plugin was built with; every entry of
                               one keys array has the same value, and the host steps through
                               the array by it */
  uint32_t flags;           /* MNNQ_KEY_* */
  const char* name;         /* exact, case-sensitive key */
  mnnq_value_type type;
  const char* default_json; /* default as JSON text ("127", "\"KL\"", "[0,0,0]"); NULL: none */
  const char* help;         /* one line of plain text */
  double min_value;         /* inclusive bounds for INT/NUMBER values and list elements, each */
  double max_value;         /* used only when its MNNQ_KEY_HAS_* flag is set */
  const char* const* choices; /* STRING / STRING_LIST keys: the allowed values (the host rejects
                                 others, naming the key and the choices); NULL: any string */
  uint32_t num_choices;
} mnnq_config_key;

/* ---------------------------------------------------------------------------------------- */
/* The host context                                                                           */
/* ---------------------------------------------------------------------------------------- */

typedef enum mnnq_log_level {
  MNNQ_LOG_INFO = 1,   /* progress worth telling a user; hidden by --quiet */
  MNNQ_LOG_WARNING = 2 /* always printed, prefixed with the plugin's name */
} mnnq_log_level;

/* Body of a parallel loop: called once per index in [0, count), on `worker` in
   [0, min(threads, count)).
   Calls with the same worker never overlap, so per-worker scratch indexed by worker needs no
   lock. A status other than MNNQ_OK stops the loop (indexes not yet started are not run). */
typedef mnnq_status (*mnnq_parallel_body)(void* context, uint64_t index, uint32_t worker,
                                          mnnq_message* msg);

/* What the host offers a plugin object. Given to create; the pointer and everything it points
   to stay valid until that object's destroy call returns. Fields appended in later revisions
   are present when struct_size covers them. */
typedef struct mnnq_host {
  uint32_t struct_size; /* sizeof(mnnq_host) the host was built with */

  /* Thread budget (>= 1): how many threads the plugin may keep busy at once, the calling one
     included. A plugin starts no thread of its own: it spreads work with parallel_for, which
     never uses more than `threads` threads (1: everything runs on the calling thread). */
  uint32_t threads;

  /* Runs body(context, i, worker, msg) for every i in [0, count) on up to `threads` threads and
     returns when all have finished: MNNQ_OK, or the first failing status with its message
     copied into msg. May be called from any plugin call (not from inside a body). */
  mnnq_status (*parallel_for)(const struct mnnq_host* host, uint64_t count,
                              mnnq_parallel_body body, void* context, mnnq_message* msg);

  /* Prints one line (no newline needed) on the host's log, naming the plugin. Thread-safe. */
  void (*log)(const struct mnnq_host* host, mnnq_log_level level, const char* text);

  /* The value of configuration key `key` as compact JSON text ("127", "\"KL\"", "[1,2]"),
     or NULL when the run configuration does not have it. The text stays valid until destroy.
     The same values as create's config_json, for plugins that do not want to parse JSON. */
  const char* (*config_value)(const struct mnnq_host* host, const char* key);

  /* Set by a program that embeds mnnq for the in-process plugins it registers itself (the
     Python module hands its "python" input source the caller's arrays this way); NULL when
     the mnnq command runs. A plugin loaded from a library never needs it. */
  const void* embedder_data;

  void* host_private; /* the host's own; plugins do not touch it */
} mnnq_host;

/* Memory layouts, numerically equal to MNN's MNN_DATA_FORMAT. */
typedef enum mnnq_layout {
  MNNQ_LAYOUT_NCHW = 0,
  MNNQ_LAYOUT_NHWC = 1,
  MNNQ_LAYOUT_NC4HW4 = 2, /* treated as NCHW by mnnq: same logical dims and element order */
  MNNQ_LAYOUT_UNKNOWN = 4
} mnnq_layout;

#define MNNQ_MAX_DIMS 8

/* ---------------------------------------------------------------------------------------- */
/* Feature calibrators                                                                        */
/* ---------------------------------------------------------------------------------------- */

/* Facts about a tensor the calibrator is asked to calibrate. */
enum {
  MNNQ_TENSOR_GRAPH_INPUT = 1u << 0,
  MNNQ_TENSOR_GRAPH_OUTPUT = 1u << 1,
  MNNQ_TENSOR_UNIT_INPUT = 1u << 2, /* input of a quantizable convolution unit */
  MNNQ_TENSOR_UNIT_OUTPUT = 1u << 3 /* output of a unit: conv (+ folded BatchNorm) (+ ReLU/ReLU6) */
};

typedef struct mnnq_tensor_desc {
  uint32_t index;            /* dense index 0..num_tensors-1 used in every later call */
  const char* name;          /* tensor name in the model */
  const char* producer_op;   /* name of the op that produces it ("" for graph inputs) */
  const char* producer_type; /* MNN op type name of that op, e.g. "Convolution" */
  int32_t ndim;
  int32_t dims[MNNQ_MAX_DIMS]; /* shape for one sample (batch 1), in `layout` */
  mnnq_layout layout;
  uint32_t flags; /* MNNQ_TENSOR_* */
} mnnq_tensor_desc;

/* What the host does during one pass over the calibration samples. */
enum {
  MNNQ_PASS_OBSERVE = 1u << 0,   /* call observe() with every calibrated tensor */
  MNNQ_PASS_TRANSFORM = 1u << 1, /* call transform() on every calibrated tensor, in execution
                                    order, before its consumers read it (fake quantization);
                                    only for calibrators with MNNQ_CALIBRATOR_TRANSFORMS */
  MNNQ_PASS_SEQUENTIAL = 1u << 2 /* deliver batches in sample order on one thread (stateful
                                    methods such as moving averages) */
};

typedef struct mnnq_pass_desc {
  uint32_t flags;      /* MNNQ_PASS_* */
  uint32_t batch_size; /* samples per forward; 0 or 1 = one sample per forward */
  uint32_t weight_bits;/* 0: float weights; b > 0: the host fake-quantizes convolution weights
                          per output channel, symmetric, max-abs, to +-(2^(b-1)-1) */
} mnnq_pass_desc;

/* Result per tensor. x_q = clamp(round(x / scale + zero), min, max); x = (x_q - zero) * scale. */
typedef struct mnnq_feature_params {
  uint32_t valid; /* 0: the calibrator has no parameters for this tensor (left float) */
  float scale;
  float zero;
  float min;
  float max;
} mnnq_feature_params;

/* Calibrator capability flags (mnnq_plugin_info.flags for this kind), after ncnn's layer
   flags: the host asks the plugin instead of guessing. */
enum {
  /* After compute(), the host makes scales consistent across data-movement ops so the runtime
     can run them in int8: concat inputs take the output's parameters, single-input data
     movement and pooling outputs take their input's (MNN's rule for KL). */
  MNNQ_CALIBRATOR_SHARE_SCALES = 1u << 0,
  /* The calibrator implements transform() and may ask for MNNQ_PASS_TRANSFORM passes. Without
     this flag the vtable's transform must be NULL. */
  MNNQ_CALIBRATOR_TRANSFORMS = 1u << 1,
  /* With its default configuration the calibrator reproduces the scales of MNN's own tool
     (quantized.out) on the original model, so the host leaves model rewrites that would change
     them (cross_layer_equalization) off unless the config turns them on. */
  MNNQ_CALIBRATOR_REPRODUCES_MNN = 1u << 2
};

/* One calibrated tensor for `batch` consecutive samples starting at `first_sample`, as given to
   observe() and transform(). Fields appended in later revisions are present when struct_size
   covers them. */
typedef struct mnnq_tensor_batch {
  uint32_t struct_size;  /* sizeof(mnnq_tensor_batch) the host was built with */
  uint32_t pass;         /* the pass begun by the last begin_pass */
  uint32_t shard;        /* first_sample % num_shards; one shard is used by one thread at a time
                            and sees its samples in increasing sample order, whatever the
                            thread count */
  uint32_t tensor;       /* index into the tensors given to prepare */
  uint64_t first_sample;
  uint32_t batch;        /* number of samples in data, >= 1 */
  uint32_t reserved;     /* 0 */
  float* data;           /* batch * (product of the tensor's dims) floats in its layout,
                            batch-major; read-only in observe(), rewritable in transform() */
  uint64_t count;        /* number of floats in data */
} mnnq_tensor_batch;

typedef struct mnnq_calibrator mnnq_calibrator; /* opaque, plugin-owned */

/* Call order, enforced by the host (a plugin need not check it):
     create -> prepare -> for p in 0..num_passes-1: (begin_pass(p) -> observe/transform* ->
     end_pass(p)) -> compute -> destroy.
   Every observe/transform carries the current pass, a shard < num_shards and a tensor index
   < num_tensors; observe only in passes with MNNQ_PASS_OBSERVE, transform only in passes with
   MNNQ_PASS_TRANSFORM. destroy may come at any point. */
typedef struct mnnq_calibrator_vtbl {
  uint32_t struct_size; /* sizeof(mnnq_calibrator_vtbl) the plugin was built with */

  /* config_json: the whole run configuration as a JSON object (validated against the
     plugin's keys; relative paths already resolved). host: see mnnq_host (valid until
     destroy). */
  mnnq_status (*create)(const char* config_json, const mnnq_host* host, mnnq_calibrator** out,
                        mnnq_message* msg);

  /* The tensors to calibrate (tensors[i].index == i) and the number of shards. Shards belong
     to the host: sample i always goes to shard (i % num_shards), num_shards does not depend on
     the thread count, and each shard sees its samples in increasing index order, so a
     calibrator that keeps per-shard state and merges shards in index order gives the same
     bytes whatever the thread count. Returns the number of passes in *num_passes (>= 1). */
  mnnq_status (*prepare)(mnnq_calibrator*, const mnnq_tensor_desc* tensors, uint32_t num_tensors,
                         uint32_t num_shards, uint32_t* num_passes, mnnq_message* msg);

  /* Called before pass `pass` starts (so a pass may depend on earlier results). *desc arrives
     preset to {MNNQ_PASS_OBSERVE, 1, 0}. */
  mnnq_status (*begin_pass)(mnnq_calibrator*, uint32_t pass, mnnq_pass_desc* desc,
                            mnnq_message* msg);

  /* Thread-safe across different shards; one shard is used by one thread at a time. */
  mnnq_status (*observe)(mnnq_calibrator*, const mnnq_tensor_batch* batch, mnnq_message* msg);

  /* NULL unless the plugin has MNNQ_CALIBRATOR_TRANSFORMS: may rewrite batch->data in place,
     e.g. by its fake-quantized values; consumers then read the rewritten data. Same threading
     rule as observe. */
  mnnq_status (*transform)(mnnq_calibrator*, const mnnq_tensor_batch* batch, mnnq_message* msg);

  /* All samples of the pass were delivered: merge shards (in index order). */
  mnnq_status (*end_pass)(mnnq_calibrator*, uint32_t pass, mnnq_message* msg);

  /* Writes num_tensors entries into the host-owned array `out` (preset to zero: valid 0). */
  mnnq_status (*compute)(mnnq_calibrator*, mnnq_feature_params* out, mnnq_message* msg);

  void (*destroy)(mnnq_calibrator*);
} mnnq_calibrator_vtbl;

/* ---------------------------------------------------------------------------------------- */
/* Weight quantizers                                                                          */
/* ---------------------------------------------------------------------------------------- */

typedef struct mnnq_weight_desc {
  const char* op_name;
  const float* data;      /* [out_channels][in_channels_per_group][kernel_h][kernel_w] */
  uint64_t count;         /* = out_channels * in_channels_per_group * kernel_h * kernel_w */
  uint32_t out_channels;
  uint32_t in_channels_per_group;
  uint32_t kernel_h;
  uint32_t kernel_w;
  uint32_t bits;          /* quant_bits, 2..8: stored integers lie in [-2^(bits-1), 2^(bits-1)-1] */
  int32_t clamp;          /* weight clamp value (the integer grid limit the scale is computed for) */
} mnnq_weight_desc;

typedef struct mnnq_weight_result {
  float* scales;      /* host-owned, out_channels entries: per-channel scale alpha */
  float* zero_points; /* host-owned, out_channels entries, preset to 0; set only if asymmetric */
  int8_t* values;     /* host-owned, count entries: w ~= (values - zero_point) * scale */
  uint32_t asymmetric;/* set to 1 by the plugin if zero_points were used */
} mnnq_weight_result;

typedef struct mnnq_weight_quantizer mnnq_weight_quantizer; /* opaque, plugin-owned */

typedef struct mnnq_weight_quantizer_vtbl {
  uint32_t struct_size;
  mnnq_status (*create)(const char* config_json, const mnnq_host* host,
                        mnnq_weight_quantizer** out, mnnq_message* msg);
  /* Thread-safe: the host may quantize several layers at once. The host has checked the
     description: out_channels >= 1, count = out_channels * in_channels_per_group * kernel_h *
     kernel_w, bits in 2..8, clamp in 1..127, data non-NULL when count > 0. */
  mnnq_status (*quantize)(mnnq_weight_quantizer*, const mnnq_weight_desc* weights,
                          mnnq_weight_result* result, mnnq_message* msg);
  void (*destroy)(mnnq_weight_quantizer*);
} mnnq_weight_quantizer_vtbl;

/* ---------------------------------------------------------------------------------------- */
/* Input sources                                                                              */
/* ---------------------------------------------------------------------------------------- */

typedef struct mnnq_input_desc {
  const char* name;
  int32_t ndim;
  int32_t dims[MNNQ_MAX_DIMS]; /* -1 = unknown (dynamic) */
  mnnq_layout layout;
} mnnq_input_desc;

typedef struct mnnq_input_source mnnq_input_source; /* opaque, plugin-owned */

typedef struct mnnq_input_source_vtbl {
  uint32_t struct_size;

  /* inputs: the model's graph inputs as stored in the file. The source lists its samples here
     (sorted, deterministic) and fails if there are none. */
  mnnq_status (*create)(const char* config_json, const mnnq_host* host,
                        const mnnq_input_desc* inputs, uint32_t num_inputs,
                        mnnq_input_source** out, mnnq_message* msg);

  /* The shape the source will produce for model input `input` (< num_inputs, batch 1); written
     into *desc (name and layout are filled by the host). All dims must be known (> 0). */
  mnnq_status (*input_shape)(mnnq_input_source*, uint32_t input, mnnq_input_desc* desc, mnnq_message* msg);

  uint64_t (*count)(mnnq_input_source*);

  /* Printable name of sample i (< count()), valid until destroy. */
  const char* (*sample_name)(mnnq_input_source*, uint64_t i);

  /* Fills sample i (< count()): buffers[k] has room for the product of input_shape(k) floats.
     Returns MNNQ_SKIP for an unusable sample. Thread-safe for different i. */
  mnnq_status (*load)(mnnq_input_source*, uint64_t i, float* const* buffers, mnnq_message* msg);

  void (*destroy)(mnnq_input_source*);
} mnnq_input_source_vtbl;

/* ---------------------------------------------------------------------------------------- */
/* Registration                                                                               */
/* ---------------------------------------------------------------------------------------- */

typedef struct mnnq_plugin_info {
  uint32_t abi_version;     /* MNNQ_ABI_VERSION at build time; the host requires an exact match */
  uint32_t struct_size;     /* sizeof(mnnq_plugin_info) the plugin was built with */
  mnnq_kind kind;
  const char* name;         /* as used in the config: "KL", "MAX_ABS", "image", ... */
  const char* version;      /* the plugin's own version, e.g. "1.0.0" */
  const char* description;  /* one line */
  const mnnq_config_key* keys; /* configuration keys of the plugin's own (NULL when none) */
  uint32_t num_keys;
  uint32_t flags;           /* kind-specific capability flags (MNNQ_CALIBRATOR_*) */
  const void* vtable;       /* mnnq_calibrator_vtbl / mnnq_weight_quantizer_vtbl /
                               mnnq_input_source_vtbl, chosen by kind */
  const char* const* host_keys; /* names of the host's keys the plugin reads (e.g.
                                   "feature_clamp_value"): never re-declared, the host's
                                   declaration (type, default, range) is the only one; `mnnq
                                   plugins show` lists them. NULL when none. */
  uint32_t num_host_keys;
} mnnq_plugin_info;

typedef const mnnq_plugin_info* (*mnnq_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MNNQ_ABI_H */
