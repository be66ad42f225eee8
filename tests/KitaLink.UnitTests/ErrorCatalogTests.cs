using KitaLink.Api.Infrastructure.Http;

namespace KitaLink.UnitTests;

public sealed class ErrorCatalogTests
{
    public static TheoryData<string, int> SpecTable => new()
    {
        { "validation_failed", 400 },
        { "invalid_credentials", 401 },
        { "unauthenticated", 401 },
        { "forbidden", 403 },
        { "not_found", 404 },
        { "account_exists", 409 },
        { "child_already_linked", 409 },
        { "previous_child_still_active", 409 },
        { "pins_already_used", 409 },
        { "pins_expired", 410 },
        { "pins_invalid", 422 },
        { "email_mismatch", 422 },
        { "pins_locked", 423 },
        { "rate_limited", 429 },
        { "idempotency_key_reused", 422 },
        { "request_in_progress", 409 },
        { "precondition_failed", 412 },
    };

    [Theory]
    [MemberData(nameof(SpecTable))]
    public void EveryCodeOfTheSpec_HasItsStatus(string code, int status) =>
        Assert.Equal(status, ErrorCatalog.Get(code).Status);

    [Fact]
    public void EveryCode_HasEnglishAndGermanText()
    {
        Assert.All(ErrorCatalog.All, entry =>
        {
            Assert.False(string.IsNullOrWhiteSpace(entry.TitleEn));
            Assert.False(string.IsNullOrWhiteSpace(entry.DetailEn));
            Assert.False(string.IsNullOrWhiteSpace(entry.TitleDe));
            Assert.False(string.IsNullOrWhiteSpace(entry.DetailDe));
            Assert.NotEqual(entry.DetailEn, entry.DetailDe);
        });
    }

    [Theory]
    [InlineData(404, "not_found")]
    [InlineData(405, "method_not_allowed")]
    [InlineData(413, "payload_too_large")]
    [InlineData(415, "unsupported_media_type")]
    [InlineData(500, "internal_error")]
    public void CodeForStatus_NamesFrameworkErrors(int status, string code) =>
        Assert.Equal(code, ErrorCatalog.CodeForStatus(status));
}
