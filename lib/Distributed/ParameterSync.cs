using static TorchSharp.torch;

namespace Workbook.Distributed;

/// <summary>
/// Makes every rank start from rank 0's model: each parameter and buffer is broadcast from rank 0 and overwrites the
/// local copy. Ranks may build their models with different random initialisations (or none); after this they are
/// identical — what PyTorch's DDP constructor does. Introduced with chapter 17.
/// </summary>
public static class ParameterSync
{
    /// <summary>Overwrites every parameter and buffer of <paramref name="model"/> with rank <paramref name="root"/>'s values.</summary>
    /// <returns>The number of tensors broadcast.</returns>
    /// <exception cref="ArgumentException">A parameter or buffer is not on the CPU (this binding moves CPU memory only).</exception>
    public static int BroadcastFromRoot(nn.Module model, ICommunicator communicator, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(communicator);
        var count = 0;
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            foreach (var (name, tensor) in model.state_dict())
            {
                if (tensor.device_type != TorchSharp.DeviceType.CPU)
                    throw new ArgumentException(
                        $"Model tensor '{name}' is on {tensor.device}; broadcast needs CPU tensors (move the model with .cpu()).",
                        nameof(model)
                    );
                if ((tensor.dtype == ScalarType.Float32 || tensor.dtype == ScalarType.Float64) && tensor.is_contiguous())
                {
                    communicator.Broadcast(tensor, root);
                }
                else
                {
                    // Integer buffers (BatchNorm's num_batches_tracked) and strided tensors travel as a float64 copy.
                    var copy = tensor.to(ScalarType.Float64).contiguous();
                    communicator.Broadcast(copy, root);
                    tensor.copy_(copy.to(tensor.dtype));
                }
                count++;
            }
        }
        return count;
    }
}
