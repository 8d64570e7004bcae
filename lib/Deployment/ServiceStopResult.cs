namespace Workbook.Deployment;

/// <summary>How a <see cref="ServiceProcess"/> ended.</summary>
/// <param name="ExitCode">The process's exit code (a killed process reports the signal's code, e.g. 137).</param>
/// <param name="ExitedGracefully">True when it exited by itself within the grace period after the stop signal; false when it had to be killed.</param>
/// <param name="StopDuration">From sending the stop signal to the process having exited.</param>
public sealed record ServiceStopResult(int ExitCode, bool ExitedGracefully, TimeSpan StopDuration);
