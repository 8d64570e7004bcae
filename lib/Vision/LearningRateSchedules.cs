using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Vision;

/// <summary>
/// The learning rate a TorchSharp scheduler gives at every optimizer step (introduced in chapter 07), for plotting a
/// schedule before training with it. TorchSharp's own <c>StepLR</c>, <c>CosineAnnealingLR</c> and <c>OneCycleLR</c>
/// (which warms up) cover the chapter's schedules; step them once per optimizer step from
/// <c>Trainer.AfterOptimizerStep</c>.
/// </summary>
public static class LearningRateSchedules
{
    /// <summary>
    /// The learning rate in effect at steps 1, 2, …, <paramref name="steps"/> of a scheduler built by
    /// <paramref name="create"/> on a throwaway SGD optimizer with base rate <paramref name="learningRate"/>.
    /// </summary>
    public static double[] Trace(Func<optim.Optimizer, optim.lr_scheduler.LRScheduler> create, int steps, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        using var scope = NewDisposeScope();
        var parameter = new TorchSharp.Modules.Parameter(zeros(1));
        var optimizer = optim.SGD([parameter], learningRate);
        var scheduler = create(optimizer);
        var rates = new double[steps];
        for (var i = 0; i < steps; i++)
        {
            rates[i] = optimizer.ParamGroups.First().LearningRate;
            optimizer.step();
            scheduler.step();
        }
        return rates;
    }
}
