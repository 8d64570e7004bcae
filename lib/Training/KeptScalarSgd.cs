using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>
/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay, with PyTorch's update
/// rule and checks, whose step holds every Scalar it passes to libtorch; create it with
/// <see cref="Optimizers.Sgd(IEnumerable{Parameter}, double, double, double, double, bool, bool)"/>. The kept-scalar
/// counterpart of chapter 02's <c>torch.optim.SGD</c>; chapter 03 introduces the Optimizers factory.
/// </summary>
/// <remarks>
/// <para>TorchSharp 0.107's <c>torch.optim.SGD</c> passes its learning rate, momentum and weight decay as implicit
/// Scalars, and a garbage collection during the native call can free one while libtorch reads it (see
/// <see cref="KeptScalarAdam"/>). This class is that optimizer with <c>step()</c> rewritten on held Scalars; state
/// (the momentum buffers), groups, saving and schedulers are TorchSharp's.</para>
/// <para>With <c>maximize</c> it negates the gradient before the weight decay, as PyTorch does, so the decay still
/// pulls the weights towards 0; TorchSharp's SGD negates the whole step instead, which makes weight decay push the
/// weights away from 0 when maximizing. Without <c>maximize</c> and weight decay together, its steps are bit-for-bit
/// TorchSharp's.</para>
/// </remarks>
public sealed class KeptScalarSgd : SGD
{
    /// <summary>Over parameter groups whose hyper-parameters <see cref="Optimizers"/> has checked (a constructor that throws before its
    /// base runs leaves an object TorchSharp's finaliser cannot dispose).</summary>
    internal KeptScalarSgd(
        IEnumerable<ParamGroup> groups,
        double lr,
        double momentum,
        double dampening,
        double weight_decay,
        bool nesterov,
        bool maximize
    )
        : base(groups, lr, momentum, dampening, weight_decay, nesterov, maximize)
    {
        if (parameters().Any())
            return;
        Dispose();
        throw new ArgumentException("SGD was given no parameters to optimize (an empty list).", "parameters");
    }

    /// <summary>One SGD step for every parameter that has a gradient; the closure, if any, recomputes the loss first.</summary>
    public override Tensor step(Func<Tensor>? closure = null) =>
        _step<ParamGroup>(
            group =>
            {
                var options = group.Options;
                var (momentum, weightDecay, nesterov, maximize) = (
                    options.momentum!.Value,
                    options.weight_decay!.Value,
                    options.nesterov!.Value,
                    options.maximize!.Value
                );
                using var decay = weightDecay.ToScalar();
                using var keep = momentum.ToScalar();
                using var admit = (1 - options.dampening!.Value).ToScalar();
                using var descent = (-options.LearningRate!.Value).ToScalar();
                foreach (var param in group.Parameters)
                {
                    var grad = param.grad;
                    if (grad is null)
                        continue;
                    var state = (State)_state[param.Handle];
                    if (maximize)
                        grad = grad.neg();
                    if (weightDecay != 0)
                        grad = grad.add(param, decay);
                    if (momentum != 0)
                    {
                        var buffer = state.momentum_buffer;
                        if (buffer is null)
                            state.momentum_buffer = buffer = grad.clone().detach().DetachFromDisposeScope();
                        else
                            buffer.mul_(keep).add_(grad, admit);
                        grad = nesterov ? grad.add(buffer, keep) : buffer;
                    }
                    param.add_(grad, descent);
                }
            },
            closure
        );

    /// <summary>Adds a parameter group, checking its own options first.</summary>
    /// <exception cref="ArgumentException">An option of the group is out of range, or one of its parameters is already
    /// optimized.</exception>
    public override void add_param_group(TorchSharp.Modules.ParamGroup param_group)
    {
        ArgumentNullException.ThrowIfNull(param_group);
        var index = _parameter_groups.Count;
        if (param_group.Options is Options o)
        {
            var defaults = (Options)_defaults;
            if (o.LearningRate is { } lr)
                OptimizerArguments.LearningRate(lr, index);
            if (o.momentum is { } momentum)
                OptimizerArguments.NonNegative("momentum", momentum, index);
            if (o.dampening is { } dampening)
                OptimizerArguments.Finite("dampening", dampening, index);
            if (o.weight_decay is { } decay)
                OptimizerArguments.NonNegative("weight_decay", decay, index);
            OptimizerArguments.Nesterov(
                o.nesterov ?? defaults.nesterov!.Value,
                o.momentum ?? defaults.momentum!.Value,
                o.dampening ?? defaults.dampening!.Value,
                index
            );
        }
        param_group.Parameters = OptimizerArguments.Parameters(param_group.Parameters, _state.ContainsKey, index);
        base.add_param_group(param_group);
    }
}
