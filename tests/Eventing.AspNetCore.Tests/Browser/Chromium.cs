using Microsoft.Playwright;

namespace Eventing.AspNetCore.Tests.Browser;

/// <summary>
/// Debian's headless Chromium driven by Playwright (Playwright cannot download its own browser here). A missing
/// browser fails the test, on CI and anywhere else: `bash eng/services.sh up` installs the `chromium` package.
/// </summary>
internal static class Chromium
{
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("EVENTING_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium not found at {ExecutablePath}. `bash eng/services.sh up` installs Debian's chromium package; EVENTING_CHROMIUM points at another binary.");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Headless = true });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
