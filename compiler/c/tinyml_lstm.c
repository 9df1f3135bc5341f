/* UNIDIRECTIONAL_SEQUENCE_LSTM (runtime/src/kernels/lstm.rs, TFLM lstm_eval.h): the
 * integer LSTM, int8 activations with int32 biases or int16 activations with int64
 * biases, int8 weights, int16 cell state. One state unit at a time: the four gates
 * (Q3.12 in, Q0.15 out), the cell update, the new hidden state into the output row; the
 * row is copied to output_state once every unit of the step has read the old state. */
#include "tinyml_kernels.h"

/* The gates' sigmoid and tanh: Q3.12 input, TFLM's power-of-two case. */
static const Sigmoid16Params tinyml_lstm_gate_activation = { 3, 0 };

static int16_t tinyml_lstm_sat16(int32_t v) {
    return (int16_t)tinyml_clamp(v, -32768, 32767);
}

/* reference_integer_ops::MulElementwise of two int16 values (zero points 0), before the
 * output offset and the clamp. */
static int32_t tinyml_lstm_mul(const LstmMulParams *m, int16_t a, int16_t b) {
    return tinyml_multiply_by_quantized_multiplier((int32_t)a * (int32_t)b, m->multiplier, m->shift);
}

/* The requantized dot products of one gate and unit, int8 (int32 accumulator) or int16
 * (int64 accumulator, each product in 32 bits as in TFLM). */
static int32_t tinyml_lstm_fc_s8(const tinyml_i8 *x, int32_t x_offset, const tinyml_i8 *w, int32_t w_offset,
                                 int32_t n, int32_t bias, int32_t multiplier, int32_t shift) {
    int32_t acc = bias;
    int32_t d;
    for (d = 0; d < n; ++d) {
        acc += ((int32_t)w[d] + w_offset) * ((int32_t)x[d] + x_offset);
    }
    return tinyml_multiply_by_quantized_multiplier(acc, multiplier, shift);
}

static int32_t tinyml_lstm_fc_s16(const int16_t *x, int32_t x_offset, const tinyml_i8 *w, int32_t w_offset,
                                  int32_t n, int64_t bias, int32_t multiplier, int32_t shift) {
    int64_t acc = bias;
    int32_t d;
    for (d = 0; d < n; ++d) {
        acc += (int64_t)(((int32_t)w[d] + w_offset) * ((int32_t)x[d] + x_offset));
    }
    return tinyml_multiply_by_quantized_multiplier_i64(acc, multiplier, shift);
}

/* The new cell state of unit j from its four gate inputs (Q3.12), and the new hidden
 * state before its type's clamp (TFLM UpdateLstmCell, UpdateLstmHidden). */
static int32_t tinyml_lstm_unit(const LstmParams *p, const int16_t pre[4], int16_t *c) {
    const int16_t input = tinyml_logistic16(&tinyml_lstm_gate_activation, pre[0]);
    const int16_t forget = tinyml_logistic16(&tinyml_lstm_gate_activation, pre[1]);
    const int16_t cell = tinyml_tanh16(&tinyml_lstm_gate_activation, pre[2]);
    const int16_t output = tinyml_logistic16(&tinyml_lstm_gate_activation, pre[3]);
    const int16_t kept = tinyml_lstm_sat16(tinyml_lstm_mul(&p->forget_mul, forget, *c));
    const int16_t added = tinyml_lstm_sat16(tinyml_lstm_mul(&p->input_mul, input, cell));
    int16_t new_c = tinyml_lstm_sat16((int32_t)kept + (int32_t)added);
    if (p->cell_clip >= 0) {
        new_c = (int16_t)tinyml_clamp(new_c, -p->cell_clip, p->cell_clip);
    }
    *c = new_c;
    return p->hidden_zero_point + tinyml_lstm_mul(&p->hidden_mul, tinyml_tanh16(&p->cell_tanh, new_c), output);
}

/* The gate parameters in weight order (input, forget, cell, output). */
static const LstmGateParams *tinyml_lstm_gate(const LstmParams *p, int32_t k) {
    return k == 0 ? &p->input_gate : k == 1 ? &p->forget_gate : k == 2 ? &p->cell_gate : &p->output_gate;
}

/* The loops over groups of rows and steps are the same for both types: `ROW` runs one
 * row of one step (`x`, `h`, `c`, `y` its slices). */
#define TINYML_LSTM_LOOPS(ROW)                                                              \
    const int32_t n_in = p->input_size, n_state = p->state_size, steps = p->time_steps;   \
    const int32_t rows = p->time_major ? p->batches : 1;                                  \
    const int32_t groups = p->time_major ? 1 : p->batches;                                \
    int32_t g, t, r, j;                                                                   \
    for (g = 0; g < groups; ++g) {                                                        \
        for (t = 0; t < steps; ++t) {                                                     \
            const int32_t row = p->time_major ? t * p->batches : g * steps + t;           \
            for (r = 0; r < rows; ++r) {                                                  \
                ROW                                                                       \
            }                                                                             \
            for (j = 0; j < rows * n_state; ++j) {                                        \
                output_state[g * n_state + j] = output[row * n_state + j];                \
            }                                                                             \
        }                                                                                 \
    }

#define TINYML_LSTM_ROW(FC, MIN, MAX, T)                                                                \
    {                                                                                                   \
        const T *x = input + (row + r) * n_in;                                                          \
        const T *h = output_state + (g + r) * n_state;                                                  \
        int16_t *c = cell_state + (g + r) * n_state;                                                    \
        T *y = output + (row + r) * n_state;                                                            \
        for (j = 0; j < n_state; ++j) {                                                                 \
            int16_t pre[4];                                                                             \
            int32_t k;                                                                                  \
            for (k = 0; k < 4; ++k) {                                                                   \
                const LstmGateParams *gp = tinyml_lstm_gate(p, k);                                      \
                const tinyml_i8 *w_in = weights + (k * n_state + j) * n_in;                             \
                const tinyml_i8 *w_rec = weights + 4 * n_state * n_in + (k * n_state + j) * n_state;    \
                const int32_t from_x = FC(x, p->input_offset, w_in, gp->input_filter_offset, n_in,      \
                                          bias[k * n_state + j], gp->input_multiplier, gp->input_shift); \
                const int32_t from_h = FC(h, p->hidden_offset, w_rec, gp->recurrent_filter_offset,      \
                                          n_state, 0, gp->recurrent_multiplier, gp->recurrent_shift);   \
                pre[k] = tinyml_lstm_sat16((int32_t)tinyml_lstm_sat16(from_x) + tinyml_lstm_sat16(from_h)); \
            }                                                                                           \
            y[j] = (T)tinyml_clamp(tinyml_lstm_unit(p, pre, &c[j]), MIN, MAX);                          \
        }                                                                                               \
    }

void lstm_s8(const LstmParams *p, const tinyml_i8 *input, const tinyml_i8 *weights, const int32_t *bias,
             tinyml_i8 *output_state, int16_t *cell_state, tinyml_i8 *output) {
    TINYML_LSTM_LOOPS(TINYML_LSTM_ROW(tinyml_lstm_fc_s8, -128, 127, tinyml_i8))
}

void lstm_s16(const LstmParams *p, const int16_t *input, const tinyml_i8 *weights, const int64_t *bias,
              int16_t *output_state, int16_t *cell_state, int16_t *output) {
    TINYML_LSTM_LOOPS(TINYML_LSTM_ROW(tinyml_lstm_fc_s16, -32768, 32767, int16_t))
}
