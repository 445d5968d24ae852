using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace Webhook.Operations;

public static class OptionsRegistration
{
    const DynamicallyAccessedMemberTypes Members = DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor;

    /// <summary>
    /// Binds a section, checks its data annotations at start, and names failures by configuration key. The caller
    /// passes <c>(o, s) =&gt; s.Bind(o)</c> with its concrete type, so that the configuration binder's source
    /// generator writes the binding (a call on a generic <typeparamref name="T"/> would need reflection, which
    /// Native AOT does not have).
    /// </summary>
    public static OptionsBuilder<T> AddValidatedOptions<[DynamicallyAccessedMembers(Members)] T>(
        this IServiceCollection services, string section, Action<T, IConfigurationSection> bind) where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        return services.AddOptions<T>()
            .Configure<IConfiguration>((options, configuration) => Bind(options, configuration.GetSection(section), bind))
            .ValidateOnStart();
    }

    /// <summary>
    /// Binds like BindConfiguration, except that a configured list replaces the class's default list instead of
    /// being appended to it (Alerts:Names=Foo acts on Foo, not on KubePodCrashLooping and Foo): the binder makes a
    /// new list for a list property that is null.
    /// </summary>
    static void Bind<[DynamicallyAccessedMembers(Members)] T>(T options, IConfigurationSection section, Action<T, IConfigurationSection> bind) where T : class
    {
        foreach (var property in typeof(T).GetProperties().Where(p => p.SetMethod?.IsPublic == true))
        {
            if (!section.GetSection(property.Name).GetChildren().Any()) continue;
            if (property.PropertyType.IsArray
                || (property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() == typeof(List<>)))
                property.SetValue(options, null);
        }
        bind(options, section);
    }

    sealed class SectionValidator<[DynamicallyAccessedMembers(Members)] T>(string section) : IValidateOptions<T> where T : class
    {
        [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The validator reads the public properties of T (an options class: sealed, so the instance is a T), which the annotation on T keeps, and their attributes.")]
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options, typeof(T).Name, null, null), results, validateAllProperties: true))
                return ValidateOptionsResult.Success;
            return ValidateOptionsResult.Fail(results.Select(Describe));
        }

        // "Pipeline:Workers: The field Workers must be between 1 and 256." names the key a person sets.
        string Describe(ValidationResult result)
        {
            var message = result.ErrorMessage ?? "is invalid";
            if (message.StartsWith(section + ":", StringComparison.Ordinal)) return message;
            var member = result.MemberNames.FirstOrDefault();
            return member is null ? $"{section}: {message}" : $"{section}:{member}: {message}";
        }
    }
}
