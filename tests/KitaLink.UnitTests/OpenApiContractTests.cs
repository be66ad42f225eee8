using FluentValidation;
using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Children;
using KitaLink.Api.Guardians;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Staff;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.UnitTests;

/// <summary>
/// The OpenAPI document declares what the validators enforce and shows examples the service would accept;
/// these tests fail when the two drift apart.
/// </summary>
public sealed class OpenApiContractTests
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSingleton(TimeProvider.System)
        .AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton)
        .BuildServiceProvider();

    private MemberConstraints Constraints(Type type, string member) =>
        new ValidationRuleReader(_services).ConstraintsFor(type, member)
        ?? throw new InvalidOperationException($"No rules for {type.Name}.{member}");

    [Fact]
    public void PasswordLimits_AreThePasswordPolicy()
    {
        var password = Constraints(typeof(RegisterRequest), nameof(RegisterRequest.Password));

        Assert.True(password.Required);
        Assert.Equal(PasswordPolicy.MinLength, password.MinLength);
        Assert.Equal(PasswordPolicy.MaxLength, password.MaxLength);
    }

    [Fact]
    public void GuardianEmail_IsRequiredEmailOfAtMost254Characters()
    {
        var email = Constraints(typeof(CreateGuardianRequest), nameof(CreateGuardianRequest.Email));

        Assert.True(email.Required);
        Assert.Equal("email", email.Format);
        Assert.Equal(254, email.MaxLength);
    }

    [Fact]
    public void ConditionalRules_LimitButDoNotRequire()
    {
        var email = Constraints(typeof(UpdateGuardianRequest), nameof(UpdateGuardianRequest.Email));
        var name = Constraints(typeof(UpdateGuardianRequest), nameof(UpdateGuardianRequest.Name));

        Assert.False(email.Required);
        Assert.Equal("email", email.Format);
        Assert.False(name.Required);
        Assert.Equal(200, name.MaxLength);
    }

    [Fact]
    public void NotNullOnNullableMember_MakesItRequiredAndNonNull()
    {
        var born = Constraints(typeof(CreateChildRequest), nameof(CreateChildRequest.DateOfBirth));

        Assert.True(born.Required);
        Assert.True(born.NonNull);
    }

    [Fact]
    public void QueryRules_BecomeRangesAndAllowedValues()
    {
        var limit = Constraints(typeof(ChildListQuery), nameof(ChildListQuery.Limit));
        var cursor = Constraints(typeof(ChildListQuery), nameof(ChildListQuery.Cursor));
        var status = Constraints(typeof(ChildListQuery), nameof(ChildListQuery.Status));
        var eventsCursor = Constraints(typeof(ChildEventsQuery), nameof(ChildEventsQuery.Cursor));

        Assert.Equal((1m, 200m), (limit.Minimum, limit.Maximum));
        Assert.Equal(Paging.CursorPattern, cursor.Pattern);
        Assert.Equal(Paging.MaxCursorLength, cursor.MaxLength);
        Assert.Equal(["active", "left"], status.AllowedValues);
        Assert.Equal(Paging.CursorPattern, eventsCursor.Pattern);
    }

    [Theory]
    [InlineData("Mia", true)]
    [InlineData("Anne-Marie O’Neill", true)]
    [InlineData("  Zoë  ", true)]
    [InlineData("Mia2", false)]
    [InlineData("<script>", false)]
    [InlineData("Robert'); DROP TABLE", false)]
    public void PersonNamePattern_AgreesWithTheValidator(string name, bool valid)
    {
        var pattern = new System.Text.RegularExpressions.Regex(KitaLink.Api.Infrastructure.Http.InputRules.PersonNamePattern);
        Assert.Equal(valid, KitaLink.Api.Infrastructure.Http.InputRules.IsPersonName(name.Trim()));
        Assert.Equal(valid, pattern.IsMatch(name));
        Assert.Equal(KitaLink.Api.Infrastructure.Http.InputRules.PersonNamePattern,
            Constraints(typeof(CreateChildRequest), nameof(CreateChildRequest.FirstName)).Pattern);
    }

    [Theory]
    [InlineData("Kita Sonnenschein (Nord) 2", true)]
    [InlineData("Igel & Käfer / U3", true)]
    [InlineData("Gruppe <b>", false)]
    [InlineData("Gruppe; --", false)]
    public void LabelPattern_AgreesWithTheValidator(string label, bool valid)
    {
        var pattern = new System.Text.RegularExpressions.Regex(KitaLink.Api.Infrastructure.Http.InputRules.LabelPattern);
        Assert.Equal(valid, KitaLink.Api.Infrastructure.Http.InputRules.IsLabel(label.Trim()));
        Assert.Equal(valid, pattern.IsMatch(label));
    }

    [Fact]
    public void StaffDisplayName_IsRequiredTextOfAtMost200Characters()
    {
        var name = Constraints(typeof(CreateStaffRequest), nameof(CreateStaffRequest.DisplayName));

        Assert.True(name.Required);
        Assert.Equal(1, name.MinLength);
        Assert.Equal(200, name.MaxLength);
    }

    [Fact]
    public void RequestExamples_PassTheirValidators()
    {
        foreach (var example in OpenApiExamples.AllRequestExamples)
        {
            var type = example.GetType();
            if (_services.GetService(typeof(IValidator<>).MakeGenericType(type)) is not IValidator validator)
            {
                continue;
            }
            var context = (IValidationContext)Activator.CreateInstance(typeof(ValidationContext<>).MakeGenericType(type), example)!;
            var result = validator.Validate(context);
            Assert.True(result.IsValid, $"The {type.Name} example is invalid: {result}");
        }
    }

    [Fact]
    public void ValidationFailedExamples_AreTheValidatorsRealMessages()
    {
        foreach (var type in OpenApiExamples.InvalidRequestTypes)
        {
            var errors = OpenApiExamples.ValidationErrors("anyOperation", type, _services);

            Assert.True(errors is { Count: > 0 }, $"The invalid {type.Name} example passes its validator.");
        }
    }

    [Fact]
    public void DocumentedPredicate_FailsLikeMustWithItsMessage()
    {
        var validator = new InlineValidator<CreateGuardianRequest>();
        validator.RuleFor(r => r.Name).MustDocumented(n => n.Length <= 3, SchemaFacets.Length(max: 3)).WithMessage("At most 3 characters.");

        var result = validator.Validate(new CreateGuardianRequest("Julia", "Mutter", "julia.schneider@example.com"));

        var failure = Assert.Single(result.Errors);
        Assert.Equal("At most 3 characters.", failure.ErrorMessage);
        Assert.Equal("PredicateValidator", failure.ErrorCode);
    }
}
