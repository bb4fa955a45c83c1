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
 * Ownership: every pointer passed by the host to a plugin is borrowed for the duration of the
 * call unless the comment says otherwise. Every buffer a plugin writes results into is owned
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

#define MNNQ_ABI_VERSION 1u

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

typedef struct mnnq_config_key {
  const char* name;         /* exact, case-sensitive key */
  mnnq_value_type type;
  const char* default_json; /* default as JSON text ("127", "\"KL\"", "[0,0,0]"); NULL: none */
  const char* help;         /* one line. Enum convention for STRING and STRING_LIST keys: a help
                               text that starts with "{A|B|C} " restricts values to A, B or C
                               (the host rejects others, naming the key and the choices) */
  double min_value;         /* inclusive bounds for INT/NUMBER values and list elements; */
  double max_value;         /* min_value > max_value means unbounded */
} mnnq_config_key;

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
                                    order, before its consumers read it (fake quantization) */
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

/* Calibrator capability flags (mnnq_plugin_info.flags for this kind). */
enum {
  /* After compute(), the host makes scales consistent across data-movement ops so the runtime
     can run them in int8: concat inputs take the output's parameters, single-input data
     movement and pooling outputs take their input's (MNN's rule for KL). */
  MNNQ_CALIBRATOR_SHARE_SCALES = 1u << 0
};

typedef struct mnnq_calibrator mnnq_calibrator; /* opaque, plugin-owned */

typedef struct mnnq_calibrator_vtbl {
  uint32_t struct_size; /* sizeof(mnnq_calibrator_vtbl) the plugin was built with */

  /* config_json: the whole run configuration as a JSON object (validated against the
     plugin's keys; relative paths already resolved). */
  mnnq_status (*create)(const char* config_json, mnnq_calibrator** out, mnnq_message* msg);

  /* The tensors to calibrate and the number of shards. Shards belong to the host: sample i
     always goes to shard (i % num_shards), and num_shards does not depend on the thread count,
     so a calibrator that merges shards in index order is deterministic. Returns the number of
     passes in *num_passes (at least 1). */
  mnnq_status (*prepare)(mnnq_calibrator*, const mnnq_tensor_desc* tensors, uint32_t num_tensors,
                         uint32_t num_shards, uint32_t* num_passes, mnnq_message* msg);

  /* Called before pass `pass` starts (so a pass may depend on earlier results). */
  mnnq_status (*begin_pass)(mnnq_calibrator*, uint32_t pass, mnnq_pass_desc* desc, mnnq_message* msg);

  /* One calibrated tensor for `batch` consecutive samples starting at `first_sample`.
     data: batch * (product of desc dims) floats in the tensor's layout, batch-major.
     Thread-safe across different shards; one shard is used by one thread at a time. */
  mnnq_status (*observe)(mnnq_calibrator*, uint32_t pass, uint32_t shard, uint64_t first_sample,
                         uint32_t batch, uint32_t tensor, const float* data, uint64_t count,
                         mnnq_message* msg);

  /* Optional (NULL if unused): may rewrite the tensor in place, e.g. by its fake-quantized
     values; consumers then read the rewritten data. Same threading rule as observe. */
  mnnq_status (*transform)(mnnq_calibrator*, uint32_t pass, uint32_t shard, uint64_t first_sample,
                           uint32_t batch, uint32_t tensor, float* data, uint64_t count,
                           mnnq_message* msg);

  /* All samples of the pass were delivered: merge shards (in index order). */
  mnnq_status (*end_pass)(mnnq_calibrator*, uint32_t pass, mnnq_message* msg);

  /* Writes num_tensors entries into the host-owned array `out`. */
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
  mnnq_status (*create)(const char* config_json, mnnq_weight_quantizer** out, mnnq_message* msg);
  /* Thread-safe: the host may quantize several layers at once. */
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
  mnnq_status (*create)(const char* config_json, const mnnq_input_desc* inputs, uint32_t num_inputs,
                        mnnq_input_source** out, mnnq_message* msg);

  /* The shape the source will produce for model input `input` (batch 1); written into *desc
     (name and layout are filled by the host). All dims must be known (> 0). */
  mnnq_status (*input_shape)(mnnq_input_source*, uint32_t input, mnnq_input_desc* desc, mnnq_message* msg);

  uint64_t (*count)(mnnq_input_source*);

  /* Printable name of sample i (file or folder name), valid until destroy. */
  const char* (*sample_name)(mnnq_input_source*, uint64_t i);

  /* Fills one sample: buffers[k] has room for the product of input_shape(k) floats.
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
  const mnnq_config_key* keys; /* configuration keys this plugin reads (beyond the host's) */
  uint32_t num_keys;
  uint32_t flags;           /* kind-specific capability flags (MNNQ_CALIBRATOR_*) */
  const void* vtable;       /* mnnq_calibrator_vtbl / mnnq_weight_quantizer_vtbl /
                               mnnq_input_source_vtbl, chosen by kind */
} mnnq_plugin_info;

typedef const mnnq_plugin_info* (*mnnq_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MNNQ_ABI_H */
