/// <reference types="vite/client" />
// Vite's ?raw imports: a file's text, bundled for both test projects (Node and workerd).
declare module '*?raw' {
  const text: string;
  export default text;
}
