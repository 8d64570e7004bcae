using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019: Adam with decoupled weight decay) with PyTorch's update rule, defaults and
/// checks, whose step holds every Scalar it passes to libtorch; create it with
/// <see cref="Optimizers.AdamW(IEnumerable{Parameter}, double, double, double, double, double, bool, bool)"/>.
/// The kept-scalar counterpart of <c>torch.optim.AdamW</c> (chapter 06); the factory is introduced in chapter 03.
/// </summary>
/// <remarks>
/// <para>TorchSharp 0.107's <c>torch.optim.AdamW</c> passes its Scalars implicitly, and a garbage collection during
/// the native call can free one while libtorch reads it (see <see cref="KeptScalarAdam"/>). This class is that
/// optimizer with <c>step()</c> rewritten on held Scalars; state, groups, saving and schedulers are TorchSharp's.</para>
/// <para>The default weight decay is PyTorch's 0.01 (TorchSharp's AdamW defaults to 0, which makes it plain Adam).
/// The decay multiplies each parameter by 1 − lr · weight_decay before the Adam step, as PyTorch does.</para>
/// </remarks>
public sealed class KeptScalarAdamW : AdamW
{
    /// <summary>Over parameter groups whose hyper-parameters <see cref="Optimizers"/> has checked (a constructor that throws before its
    /// base runs leaves an object TorchSharp's finaliser cannot dispose).</summary>
    internal KeptScalarAdamW(
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
        throw new ArgumentException("AdamW was given no parameters to optimize (an empty list).", "parameters");
    }

    /// <summary>One AdamW step for every parameter that has a gradient; the closure, if any, recomputes the loss first.</summary>
    public override Tensor step(Func<Tensor>? closure = null) =>
        _step<ParamGroup>(
            group =>
            {
                var options = group.Options;
                var (lr, maximize) = (options.LearningRate!.Value, options.maximize!.Value);
                using var shrink = (1 - lr * options.weight_decay!.Value).ToScalar();
                foreach (var param in group.Parameters)
                {
                    var grad = param.grad;
                    if (grad is null)
                        continue;
                    var state = (State)_state[param.Handle];
                    if (maximize)
                        grad = grad.neg();
                    state.step += 1;
                    param.mul_(shrink);
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

    /// <summary>Adds a parameter group, checking its own options first.</summary>
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
