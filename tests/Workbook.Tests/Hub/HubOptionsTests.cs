using Workbook.Hub;

namespace Workbook.Tests.Hub;

/// <summary>Settings come from the variables huggingface_hub reads, in its order of precedence.</summary>
public class HubOptionsTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        map.TryAdd("HOME", "/home/ada");
        return name => map.GetValueOrDefault(name);
    }

    [Fact]
    public void Without_variables_the_hub_is_huggingface_co_and_the_cache_is_under_the_home_folder()
    {
        var options = new HubOptions().Resolve(Env());
        Assert.Equal("https://huggingface.co", options.Endpoint);
        Assert.Equal("/home/ada/.cache/huggingface/hub", options.CacheDirectory);
        Assert.Equal(false, options.Offline);
    }

    [Fact]
    public void Variables_set_endpoint_cache_token_and_offline_mode_and_explicit_options_win()
    {
        var env = Env(
            ("HF_ENDPOINT", "http://mirror.local:8080/"),
            ("HF_HOME", "~/hf"),
            ("HF_TOKEN", " hf_abc\n"),
            ("HF_HUB_OFFLINE", "yes")
        );
        var options = new HubOptions().Resolve(env);
        Assert.Equal("http://mirror.local:8080", options.Endpoint);
        Assert.Equal("/home/ada/hf/hub", options.CacheDirectory);
        Assert.Equal("hf_abc", options.Token);
        Assert.Equal(true, options.Offline);

        Assert.Equal("/data/hub", new HubOptions().Resolve(Env(("HF_HOME", "/x"), ("HF_HUB_CACHE", "/data/hub"))).CacheDirectory);
        Assert.Equal("/xdg/huggingface/hub", new HubOptions().Resolve(Env(("XDG_CACHE_HOME", "/xdg"))).CacheDirectory);

        var explicitOptions = new HubOptions
        {
            Endpoint = "http://127.0.0.1:1",
            CacheDirectory = "/c",
            Token = "",
            Offline = false,
        }.Resolve(env);
        Assert.Equal(
            ("http://127.0.0.1:1", "/c", "", false),
            (explicitOptions.Endpoint, explicitOptions.CacheDirectory, explicitOptions.Token, explicitOptions.Offline)
        );
    }

    [Fact]
    public void The_token_file_written_by_huggingface_cli_login_is_read_when_HF_TOKEN_is_unset()
    {
        var home = Directory.CreateTempSubdirectory("workbook-hf-home-");
        try
        {
            File.WriteAllText(Path.Combine(home.FullName, "token"), "hf_from_file\n");
            Assert.Equal("hf_from_file", new HubOptions().Resolve(Env(("HF_HOME", home.FullName))).Token);
            Assert.Equal("hf_env", new HubOptions().Resolve(Env(("HF_HOME", home.FullName), ("HF_TOKEN", "hf_env"))).Token);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("ON", true)]
    [InlineData("true", true)]
    [InlineData("0", false)]
    [InlineData("no", false)]
    public void Offline_values_are_read_as_huggingface_hub_reads_them(string value, bool offline) =>
        Assert.Equal(offline, new HubOptions().Resolve(Env(("HF_HUB_OFFLINE", value))).Offline);

    [Fact]
    public void Bad_settings_are_rejected_naming_the_setting()
    {
        Assert.Contains(
            "'huggingface.co' is not an absolute http:// or https:// address (from HF_ENDPOINT)",
            Assert.Throws<ArgumentException>(() => new HubOptions().Resolve(Env(("HF_ENDPOINT", "huggingface.co")))).Message
        );
        Assert.Contains("ftp://x", Assert.Throws<ArgumentException>(() => new HubOptions { Endpoint = "ftp://x" }.Resolve(Env())).Message);
        Assert.Contains(
            "MaxRetries must be 0 or more",
            Assert.Throws<ArgumentOutOfRangeException>(() => new HubOptions { MaxRetries = -1 }.Resolve(Env())).Message
        );
        Assert.Contains(
            "ReadTimeout must be positive",
            Assert.Throws<ArgumentOutOfRangeException>(() => new HubOptions { ReadTimeout = TimeSpan.Zero }.Resolve(Env())).Message
        );
    }
}
