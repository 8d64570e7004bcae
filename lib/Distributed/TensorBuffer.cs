using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Distributed;

/// <summary>
/// The memory of a tensor as MPI sees it: address, element count and datatype. Only CPU, contiguous float32/float64
/// tensors qualify, because MPI reads and writes the bytes in place: a CUDA tensor's address is device memory (a
/// CUDA-aware MPI or NCCL is needed), and a strided view's elements are not one block.
/// </summary>
internal readonly record struct TensorBuffer(IntPtr Address, int Count, bool IsDouble)
{
    /// <summary>Checks that <paramref name="tensor"/> can be handed to MPI in place; the message names the tensor and the fix.</summary>
    /// <exception cref="ArgumentException">Wrong device, dtype, layout, or more than 2³¹−1 elements.</exception>
    public static void Validate(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor, name);
        if (tensor.IsInvalid)
            throw new ArgumentException($"Tensor '{name}' has been disposed.", name);
        if (tensor.device_type != DeviceType.CPU)
            throw new ArgumentException(
                $"Tensor '{name}' is on {tensor.device}; this MPI binding reduces CPU memory only. Copy it with .cpu() "
                    + "(on GPUs, use a CUDA-aware MPI or NCCL, which this workbook does not bind).",
                name
            );
        if (tensor.dtype != ScalarType.Float32 && tensor.dtype != ScalarType.Float64)
            throw new ArgumentException(
                $"Tensor '{name}' has dtype {tensor.dtype}; MPI collectives here take float32 or float64. Convert with .to(torch.float32).",
                name
            );
        if (!tensor.is_contiguous())
            throw new ArgumentException(
                $"Tensor '{name}' (shape [{string.Join(", ", tensor.shape)}]) is not contiguous; "
                    + "MPI needs one block of memory. Use .contiguous() and copy the result back.",
                name
            );
        if (tensor.numel() > int.MaxValue)
            throw new ArgumentException(
                $"Tensor '{name}' has {tensor.numel()} elements; one MPI call takes at most {int.MaxValue}. Split it.",
                name
            );
    }

    /// <summary>Validates <paramref name="tensor"/> and returns its memory (element 0 of the view, storage offset included).</summary>
    public static TensorBuffer Of(Tensor tensor, string name)
    {
        Validate(tensor, name);
        var isDouble = tensor.dtype == ScalarType.Float64;
        // storage<T>() wraps the tensor's storage without copying; its pointer is the storage start, not the view's.
        var start = isDouble ? tensor.storage<double>().data_ptr() : tensor.storage<float>().data_ptr();
        var address = start + (nint)(tensor.storage_offset() * tensor.element_size());
        return new TensorBuffer(address, (int)tensor.numel(), isDouble);
    }
}
