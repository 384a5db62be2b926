// A firmware-style use of a model compiled by Mote from Examples/digits/model.onnx:
//
//   swift run mote compile Examples/digits/model.onnx --calibration Examples/digits/calibration.npy -o out/digits
//   gcc -std=c99 -Wall -Wextra -Werror -pedantic -I out/digits out/digits/*.c Examples/digits/main.c -o digits
//   ./digits          -> predicted digit: 4
//
/* On a microcontroller the image would come from a sensor; here it is the first test image
 * (Examples/digits/test_inputs.npy[0], label 4), pixel / 16 in [0, 1], row by row.
 */
#include <stdint.h>
#include <stdio.h>

#include "model.h"

static const float image[MODEL_INPUT_SIZE] = {
    0.0000f, 0.0000f, 0.0000f, 0.5625f, 1.0000f, 0.2500f, 0.0000f, 0.0000f,
    0.0000f, 0.0625f, 0.5625f, 1.0000f, 0.8125f, 0.1250f, 0.0000f, 0.0000f,
    0.0000f, 0.8750f, 1.0000f, 0.8750f, 0.5000f, 0.0000f, 0.0000f, 0.0000f,
    0.0625f, 0.9375f, 0.9375f, 0.3125f, 1.0000f, 0.5625f, 0.0000f, 0.0000f,
    0.0000f, 0.3125f, 1.0000f, 1.0000f, 1.0000f, 0.5000f, 0.0000f, 0.0000f,
    0.0000f, 0.0000f, 0.1250f, 0.8125f, 1.0000f, 0.0625f, 0.0000f, 0.0000f,
    0.0000f, 0.0000f, 0.0000f, 0.6875f, 0.8125f, 0.0000f, 0.0000f, 0.0000f,
    0.0000f, 0.0000f, 0.0000f, 0.6875f, 0.8125f, 0.0000f, 0.0000f, 0.0000f,
};

int main(void) {
    int8_t input[MODEL_INPUT_SIZE];
    int8_t output[MODEL_OUTPUT_SIZE];
    float probabilities[MODEL_OUTPUT_SIZE];
    int best = 0;
    int i;

    model_quantize_input(image, input);
    if (model_run(input, output) != 0) {
        return 1;
    }
    model_dequantize_output(output, probabilities);
    for (i = 1; i < MODEL_OUTPUT_SIZE; ++i) {
        if (probabilities[i] > probabilities[best]) {
            best = i;
        }
    }
    printf("predicted digit: %d (p = %.3f)\n", best, (double)probabilities[best]);
    return 0;
}
