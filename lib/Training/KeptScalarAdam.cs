using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>
/// Adam (Kingma and Ba, 2014) with PyTorch's update rule, options and checks, whose step holds every Scalar it passes
/// to libtorch; create it with <see cref="Optimizers.Adam(IEnumerable{Parameter}, double, double, double, double, double, bool, bool)"/>.
/// Introduced with the training loop (chapter 03), whose Trainer uses it.
/// </summary>
/// <remarks>
/// <para>TorchSharp 0.107's own <c>torch.optim.Adam</c> passes its learning rate, betas, bias corrections and weight
/// decay to libtorch as implicit Scalars (<c>exp_avg.mul_(beta1)</c>): nothing keeps those alive during the native
/// call, and a garbage collection at that moment frees one while libtorch reads it (<c>ExternalException …
/// toFloat</c>). This class is that optimizer with its <c>step()</c> rewritten on Scalars held in <c>using</c>
/// locals; everything else — parameter groups, options, per-parameter state, <c>save_state_dict</c> /
/// <c>load_state_dict</c>, learning-rate schedulers, <see cref="Checkpoint"/> — is TorchSharp's, so it goes wherever
/// an <c>optim.Optimizer</c> goes. Its steps are bit-for-bit those of TorchSharp's Adam and, up to float rounding,
/// PyTorch's (<c>foreach=False</c>).</para>
/// <para>It refuses, with a message naming the argument, what PyTorch refuses (a negative learning rate, a beta
/// outside [0, 1), …), also the NaN and infinite values that TorchSharp lets through, and a parameter that appears
/// twice.</para>
/// </remarks>
public sealed class KeptScalarAdam : Adam
{
    /// <summary>Over parameter groups whose hyper-parameters <see cref="Optimizers"/> has checked (a constructor that throws before its
    /// base runs leaves an object TorchSharp's finaliser cannot dispose).</summary>
    internal KeptScalarAdam(
        IEnumerable<ParamGroup> groups,
        double lr,
        double beta1,
        double beta2,
        double eps,
        double weight_decay,
        bool amsgrad,
        bool maximize
    )
        : base(groups, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize)
    {
        if (parameters().Any())
            return;
        Dispose();
        throw new ArgumentException("Adam was given no parameters to optimize (an empty list).", "parameters");
    }

    /// <summary>One Adam step for every parameter that has a gradient; the closure, if any, recomputes the loss first.</summary>
    public override Tensor step(Func<Tensor>? closure = null) =>
        _step<ParamGroup>(
            group =>
            {
                var options = group.Options;
                var (lr, weightDecay, maximize) = (options.LearningRate!.Value, options.weight_decay!.Value, options.maximize!.Value);
                using var decay = weightDecay.ToScalar();
                foreach (var param in group.Parameters)
                {
                    var grad = param.grad;
                    if (grad is null)
                        continue;
                    var state = (State)_state[param.Handle];
                    if (maximize)
                        grad = grad.neg();
                    state.step += 1;
                    if (weightDecay != 0)
                        grad = grad.add(param, decay);
                    AdamMoments.Step(
                        param,
                        grad,
                        state.exp_avg,
                        state.exp_avg_sq,
                        options.amsgrad!.Value ? state.max_exp_avg_sq : null,
                        state.step,
                        lr,
                        options.beta1!.Value,
                        options.beta2!.Value,
                        options.eps!.Value
                    );
                }
            },
            closure
        );

    /// <summary>Adds a parameter group (fine-tuning unfreezes layers this way), checking its own options first.</summary>
    /// <exception cref="ArgumentException">An option of the group is out of range, or one of its parameters is already
    /// optimized.</exception>
    public override void add_param_group(TorchSharp.Modules.ParamGroup param_group)
    {
        ArgumentNullException.ThrowIfNull(param_group);
        var index = _parameter_groups.Count;
        if (param_group.Options is Options o)
            OptimizerArguments.Adam(o.LearningRate, o.beta1, o.beta2, o.eps, o.weight_decay, index);
        param_group.Parameters = OptimizerArguments.Parameters(param_group.Parameters, _state.ContainsKey, index);
        base.add_param_group(param_group);
    }
}
