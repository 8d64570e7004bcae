using System.Globalization;
using TorchSharp.Modules;

namespace Workbook.Training;

/// <summary>
/// The hyper-parameter checks of the kept-scalar optimizers (<see cref="Optimizers"/>), as PyTorch makes them and more
/// strictly where PyTorch lets a value through that can only train to NaN: a learning rate that is NaN or infinite, a
/// NaN beta or weight decay. Each message names the argument (and the parameter group), its value and the valid range.
/// </summary>
internal static class OptimizerArguments
{
    /// <summary>Checks Adam's and AdamW's constructor arguments; returns <paramref name="groups"/> as a list.</summary>
    public static List<TGroup> AdamGroups<TGroup>(
        IEnumerable<TGroup> groups,
        double lr,
        double beta1,
        double beta2,
        double eps,
        double weightDecay
    )
    {
        ArgumentNullException.ThrowIfNull(groups);
        Adam(lr, beta1, beta2, eps, weightDecay);
        return groups.ToList();
    }

    /// <summary>Checks SGD's constructor arguments; returns <paramref name="groups"/> as a list.</summary>
    public static List<TGroup> SgdGroups<TGroup>(
        IEnumerable<TGroup> groups,
        double lr,
        double momentum,
        double dampening,
        double weightDecay,
        bool nesterov
    )
    {
        ArgumentNullException.ThrowIfNull(groups);
        LearningRate(lr);
        NonNegative("momentum", momentum);
        Finite("dampening", dampening);
        NonNegative("weight_decay", weightDecay);
        Nesterov(nesterov, momentum, dampening);
        return groups.ToList();
    }

    /// <summary>Checks the Adam or AdamW options that are set (a group leaves the others to the defaults).</summary>
    public static void Adam(double? lr, double? beta1, double? beta2, double? eps, double? weightDecay, int? group = null)
    {
        if (lr is { } rate)
            LearningRate(rate, group);
        if (beta1 is { } first)
            Beta("beta1", first, group);
        if (beta2 is { } second)
            Beta("beta2", second, group);
        if (eps is { } epsilon)
            NonNegative("eps", epsilon, group);
        if (weightDecay is { } decay)
            NonNegative("weight_decay", decay, group);
    }

    /// <summary>Refuses an <paramref name="lr"/> that is not a finite number ≥ 0.</summary>
    public static void LearningRate(double lr, int? group = null)
    {
        if (!(lr >= 0) || double.IsInfinity(lr))
            throw Refused("lr", lr, group, "the learning rate must be a finite number ≥ 0 (e.g. lr: 0.001)");
    }

    /// <summary>Refuses a <paramref name="beta"/> outside [0, 1) (a moving-average coefficient; 1 would never update).</summary>
    public static void Beta(string name, double beta, int? group = null)
    {
        if (!(beta >= 0 && beta < 1))
            throw Refused(
                name,
                beta,
                group,
                $"a moving-average coefficient must be in [0, 1) (the default is {(name == "beta1" ? "0.9" : "0.999")})"
            );
    }

    /// <summary>Refuses a <paramref name="value"/> that is not a finite number ≥ 0 (eps, weight decay, momentum).</summary>
    public static void NonNegative(string name, double value, int? group = null)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw Refused(name, value, group, $"{name} must be a finite number ≥ 0");
    }

    /// <summary>Refuses a <paramref name="value"/> that is NaN or infinite (dampening, which PyTorch leaves unbounded).</summary>
    public static void Finite(string name, double value, int? group = null)
    {
        if (!double.IsFinite(value))
            throw Refused(name, value, group, $"{name} must be a finite number");
    }

    /// <summary>Refuses Nesterov momentum without momentum or with dampening, as PyTorch does.</summary>
    public static void Nesterov(bool nesterov, double momentum, double dampening, int? group = null)
    {
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException(
                $"nesterov{Where(group)} needs momentum > 0 and dampening = 0; "
                    + $"momentum is {Text(momentum)} and dampening {Text(dampening)}.",
                "nesterov"
            );
    }

    /// <summary>
    /// The parameters of <paramref name="group"/> as a list (an optimizer enumerates them at every step; a lazy
    /// enumerable would walk the module tree each time), refusing nulls and parameters already in an earlier group.
    /// </summary>
    public static List<Parameter> Parameters(IEnumerable<Parameter>? group, Func<IntPtr, bool> optimized, int index)
    {
        if (group is null)
            throw new ArgumentNullException("parameters", $"Parameter group {index} has no parameter list.");
        var list = group.ToList();
        var seen = new HashSet<IntPtr>();
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is null)
                throw new ArgumentNullException("parameters", $"Parameter {i} of parameter group {index} is null.");
            if (optimized(list[i].Handle) || !seen.Add(list[i].Handle))
                throw new ArgumentException(
                    $"Parameter {i} of parameter group {index} (shape [{string.Join(", ", list[i].shape)}]) is already optimized: "
                        + "a parameter may appear in only one group, once.",
                    "parameters"
                );
        }
        return list;
    }

    private static ArgumentOutOfRangeException Refused(string name, double value, int? group, string rule) =>
        new(name, value, $"{name}{Where(group)} is {Text(value)}: {rule}.");

    private static string Where(int? group) => group is { } g ? $" of parameter group {g}" : "";

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}
