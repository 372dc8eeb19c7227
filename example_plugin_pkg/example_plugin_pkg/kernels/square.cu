// y[i] = x[i] * x[i], for the kernels op example_plugin::square_kernels (compiled to PTX by NVRTC).
//
// The op is registered through torch_tensorrt.kernels.ptx_op by trt-plugin-hub, which hands it
// the PTX built for the GPU. TensorRT launches the kernel with the input pointer, the int32 extra
// launch.extras declares ("numel"), then the output pointer; one thread per element, 256 to a
// block (trt_plugin.json's launch: block_threads = elements_per_block = 256).
// extern "C" keeps the PTX entry name equal to build.kernel in trt_plugin.json.

extern "C" __global__ void square_kernel(const float* __restrict__ x, int n, float* __restrict__ y) {
    // 64-bit index: near 2**31 elements an int index of the last block would wrap negative.
    const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) {
        const float v = x[i];
        y[i] = v * v;
    }
}
