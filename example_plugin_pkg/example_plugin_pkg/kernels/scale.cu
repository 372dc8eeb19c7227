// y[i] = x[i] * scale, for the AOT op example_plugin::scale_nvrtc (compiled to PTX by NVRTC).
//
// TensorRT passes an AOT kernel its input pointers, then int32 extras, then output pointers, and
// extras can only be integers: the float attribute `scale` arrives as its IEEE-754 bit pattern
// (launch.extras "attr:scale") and is turned back into a float here.
// extern "C" keeps the PTX entry name equal to build.kernel in trt_plugin.json.

// Each thread handles this many elements, blockDim.x apart so every warp access stays coalesced:
// with one element per thread the kernel reached ~64% of copy bandwidth, with four it matches
// copy. trt_plugin.json's launch.elements_per_block must equal block_threads * this (256 * 4).
#define ELEMENTS_PER_THREAD 4

extern "C" __global__ void scale_kernel(const float* __restrict__ x, int n, int scale_bits,
                                        float* __restrict__ y) {
    const float scale = __int_as_float(scale_bits);
    // 64-bit indices: near 2**31 elements an int index of the last block would wrap negative.
    const long long first =
        static_cast<long long>(blockIdx.x) * blockDim.x * ELEMENTS_PER_THREAD + threadIdx.x;
    // All loads are issued before any store, so each thread keeps four requests in flight.
    float values[ELEMENTS_PER_THREAD];
#pragma unroll
    for (int k = 0; k < ELEMENTS_PER_THREAD; ++k) {
        const long long i = first + static_cast<long long>(k) * blockDim.x;
        values[k] = i < n ? x[i] : 0.0f;
    }
#pragma unroll
    for (int k = 0; k < ELEMENTS_PER_THREAD; ++k) {
        const long long i = first + static_cast<long long>(k) * blockDim.x;
        if (i < n) {
            y[i] = values[k] * scale;
        }
    }
}
