/** What this machine offers that some tests depend on. */

/** Linux with glibc (process.report names its version) and the optional koffi package installed: what the emulator's memory release needs. */
export async function glibcAndKoffi(): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  if (header?.glibcVersionRuntime === undefined) return false;
  const name = 'koffi'; // optional: resolved at run time
  return import(name).then(
    () => true,
    () => false,
  );
}
