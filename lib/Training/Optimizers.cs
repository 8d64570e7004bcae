using TorchSharp.Modules;

namespace Workbook.Training;

/// <summary>
/// Adam, AdamW and SGD that are safe from TorchSharp 0.107's implicit-Scalar race: drop-in replacements for
/// <c>torch.optim.Adam</c>, <c>AdamW</c> and <c>SGD</c> (<c>Optimizers.Adam(model.parameters(), lr: 0.001)</c>) for the
/// <see cref="Trainer"/>, <see cref="Checkpoint"/> and TorchSharp's learning-rate schedulers.
/// Introduced in chapter 03 (the training loop), where the Trainer first uses it.
/// </summary>
/// <remarks>
/// <para>TorchSharp's own optimizers pass their hyper-parameters to libtorch as Scalars that nothing keeps alive during
/// the native call; a garbage collection at that moment (any allocation, on any thread, can start one) frees one while
/// libtorch reads it, and training fails with <c>ExternalException … toFloat (c10/core/Scalar.h)</c> or another libtorch
/// error. These hold every Scalar until the call returns.</para>
/// <para>The arguments are TorchSharp's, except that SGD's learning rate is <c>lr</c> (as in PyTorch and the other two;
/// TorchSharp's <c>optim.SGD</c> calls it <c>learningRate</c>). The steps are TorchSharp's to the bit, except where
/// TorchSharp departs from PyTorch — AdamW's default weight decay (PyTorch's 0.01, not 0) and SGD with both
/// <c>maximize</c> and weight decay — where they follow PyTorch. They also refuse NaN and infinite hyper-parameters,
/// which TorchSharp accepts.</para>
/// </remarks>
public static class Optimizers
{
    /// <summary>Adam (PyTorch's defaults); see <see cref="KeptScalarAdam"/>.</summary>
    /// <exception cref="ArgumentException">A hyper-parameter is out of range (the message names it), or there is no parameter.</exception>
    public static KeptScalarAdam Adam(
        IEnumerable<Parameter> parameters,
        double lr = 1e-3,
        double beta1 = 0.9,
        double beta2 = 0.999,
        double eps = 1e-8,
        double weight_decay = 0,
        bool amsgrad = false,
        bool maximize = false
    ) =>
        Adam(
            [new TorchSharp.Modules.Adam.ParamGroup { Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters)) }],
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
            maximize
        );

    /// <summary>Adam over parameter groups (<c>new Adam.ParamGroup(parameters, lr: …)</c>), each overriding these defaults.</summary>
    /// <exception cref="ArgumentException">A hyper-parameter is out of range (the message names it and its group), or there is no
    /// parameter.</exception>
    public static KeptScalarAdam Adam(
        IEnumerable<TorchSharp.Modules.Adam.ParamGroup> groups,
        double lr = 1e-3,
        double beta1 = 0.9,
        double beta2 = 0.999,
        double eps = 1e-8,
        double weight_decay = 0,
        bool amsgrad = false,
        bool maximize = false
    ) =>
        new(
            OptimizerArguments.AdamGroups(groups, lr, beta1, beta2, eps, weight_decay),
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
            maximize
        );

    /// <summary>AdamW with PyTorch's defaults (weight decay 0.01, where TorchSharp's AdamW has 0); see
    /// <see cref="KeptScalarAdamW"/>.</summary>
    /// <exception cref="ArgumentException">A hyper-parameter is out of range (the message names it), or there is no parameter.</exception>
    public static KeptScalarAdamW AdamW(
        IEnumerable<Parameter> parameters,
        double lr = 1e-3,
        double beta1 = 0.9,
        double beta2 = 0.999,
        double eps = 1e-8,
        double weight_decay = 1e-2,
        bool amsgrad = false,
        bool maximize = false
    ) =>
        AdamW(
            [new TorchSharp.Modules.AdamW.ParamGroup { Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters)) }],
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
            maximize
        );

    /// <summary>AdamW over parameter groups (<c>new AdamW.ParamGroup(parameters, lr: …)</c>), each overriding these defaults.</summary>
    /// <exception cref="ArgumentException">A hyper-parameter is out of range (the message names it and its group), or there is no
    /// parameter.</exception>
    public static KeptScalarAdamW AdamW(
        IEnumerable<TorchSharp.Modules.AdamW.ParamGroup> groups,
        double lr = 1e-3,
        double beta1 = 0.9,
        double beta2 = 0.999,
        double eps = 1e-8,
        double weight_decay = 1e-2,
        bool amsgrad = false,
        bool maximize = false
    ) =>
        new(
            OptimizerArguments.AdamGroups(groups, lr, beta1, beta2, eps, weight_decay),
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
            maximize
        );

    /// <summary>SGD, with optional momentum, dampening, Nesterov momentum and weight decay; see <see cref="KeptScalarSgd"/>.</summary>
    /// <exception cref="ArgumentException">A hyper-parameter is out of range (the message names it), or there is no parameter.</exception>
    public static KeptScalarSgd Sgd(
        IEnumerable<Parameter> parameters,
        double lr,
        double momentum = 0,
        double dampening = 0,
        double weight_decay = 0,
        bool nesterov = false,
        bool maximize = false
    ) =>
        Sgd(
            [new SGD.ParamGroup { Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters)) }],
            lr,
            momentum,
            dampening,
            weight_decay,
            nesterov,
            maximize
        );

    /// <summary>SGD over parameter groups (<c>new SGD.ParamGroup(parameters, lr: …)</c>), each overriding these defaults.</summary>
    /// <exception cref="ArgumentException">A hyper-parameter is out of range (the message names it and its group), or there is no
    /// parameter.</exception>
    public static KeptScalarSgd Sgd(
        IEnumerable<SGD.ParamGroup> groups,
        double lr,
        double momentum = 0,
        double dampening = 0,
        double weight_decay = 0,
        bool nesterov = false,
        bool maximize = false
    ) =>
        new(
            OptimizerArguments.SgdGroups(groups, lr, momentum, dampening, weight_decay, nesterov),
            lr,
            momentum,
            dampening,
            weight_decay,
            nesterov,
            maximize
        );
}
