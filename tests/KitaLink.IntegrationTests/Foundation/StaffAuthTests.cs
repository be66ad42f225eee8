using System.Net;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Foundation;

public sealed class StaffAuthTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    [Fact]
    public async Task BootstrapOperator_CanSignInWithConfiguredCredentials()
    {
        var response = await factory.CreateClient().PostJsonAsync("/api/v1/staff/auth/token",
            new { email = KitaLinkFactory.OperatorEmail, password = KitaLinkFactory.OperatorPassword });
        var body = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Bearer", body.GetProperty("tokenType").GetString());
        Assert.Equal("operator", body.GetProperty("staff").GetProperty("role").GetString());
        Assert.Equal(3, body.GetProperty("accessToken").GetString()!.Split('.').Length);
    }

    [Fact]
    public async Task WrongPasswordAndUnknownEmail_GiveIdenticalInvalidCredentials()
    {
        var client = factory.CreateClient();
        var wrong = await (await client.PostJsonAsync("/api/v1/staff/auth/token",
            new { email = KitaLinkFactory.OperatorEmail, password = "not-the-password-123" }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var unknown = await (await client.PostJsonAsync("/api/v1/staff/auth/token",
            new { email = "nobody@test.kitalink.example", password = "not-the-password-123" }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(wrong.GetProperty("title").GetString(), unknown.GetProperty("title").GetString());
        Assert.Equal(wrong.GetProperty("detail").GetString(), unknown.GetProperty("detail").GetString());
    }
}
