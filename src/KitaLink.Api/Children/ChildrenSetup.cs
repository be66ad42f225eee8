namespace KitaLink.Api.Children;

public static class ChildrenSetup
{
    /// <summary>What staff see of the facility's children: the child list reader.</summary>
    public static WebApplicationBuilder AddKitaLinkChildren(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<FacilityChildrenReader>();
        return builder;
    }
}
