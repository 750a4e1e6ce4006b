/** Text (a URL, or a message quoting one) with the user name and password of every URL in it replaced by `***`. */
export function redactUserinfo(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi, '$1***@');
}
