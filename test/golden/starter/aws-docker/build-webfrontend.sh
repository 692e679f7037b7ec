set -eu
if [ ! -e "$ASPIRE_PROJECT" ]; then printf 'aspire-arm: %s: project %s not found: put the manifest in the AppHost folder next to the sources, or set aspire:images.%s\n' "$ASPIRE_RESOURCE" "$ASPIRE_PROJECT" "$ASPIRE_RESOURCE" >&2; exit 1; fi
printf '%s' "$REGISTRY_PASSWORD" | docker login --username "$REGISTRY_USER" --password-stdin "$ASPIRE_REGISTRY"
unset REGISTRY_PASSWORD
dotnet publish "$ASPIRE_PROJECT" -c Release --os linux --arch arm64 -t:PublishContainer \
  "-p:ContainerRegistry=$ASPIRE_REGISTRY" \
  "-p:ContainerRepository=$ASPIRE_REPOSITORY" \
  "-p:ContainerImageTag=$ASPIRE_TAG"
printf '%s\n' "$ASPIRE_IMAGE"
