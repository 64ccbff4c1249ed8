/**
 * A parsed XML document with XPath-bound reads and writes. libvirt XML has far more elements than any model
 * of ours knows, so models are views over the live DOM (as virt-manager's xmlbuilder does): changing one
 * field edits that node and leaves every other element, attribute and namespace exactly as it was.
 */
import { DOMParser, XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import { InvalidInputError } from '../errors';

export class XmlDocument {
  private constructor(readonly doc: Document) {}

  /** Parses XML; malformed input is an InvalidInputError with the parser's reason. */
  static parse(text: string, what = 'XML'): XmlDocument {
    let firstError: string | undefined;
    const parser = new DOMParser({
      onError: (level: string, message: string) => {
        if (level !== 'warning') firstError ??= message;
      },
    });
    let doc: Document | undefined;
    try {
      doc = parser.parseFromString(text, 'text/xml');
    } catch (error) {
      firstError ??= (error as Error).message;
    }
    if (firstError || !doc?.documentElement) {
      throw new InvalidInputError('xml.malformed', `The ${what} is not well-formed XML: ${firstError ?? 'no root element'}`, {
        details: { field: 'xml' },
      });
    }
    return new XmlDocument(doc);
  }

  get root(): Element {
    return this.doc.documentElement as Element;
  }

  toString(): string {
    return new XMLSerializer().serializeToString(this.doc);
  }
}

/** XPath helpers over a context node (the document root or an element of it). */
export class XmlNode {
  constructor(readonly node: Element) {}

  elements(path: string): XmlNode[] {
    return (xpath.select(path, this.node as unknown as globalThis.Node) as unknown as Element[]).map((e) => new XmlNode(e));
  }

  element(path: string): XmlNode | undefined {
    return this.elements(path)[0];
  }

  /** The string value of an XPath (text of an element, value of an attribute), undefined when absent. */
  value(path: string): string | undefined {
    const found = xpath.select(path, this.node as unknown as globalThis.Node) as unknown as Node[];
    const first = found[0];
    if (!first) return undefined;
    return (first.nodeType === 2 ? (first as unknown as { value: string }).value : first.textContent) ?? undefined;
  }

  /** Sets the text of a child element path like "vcpu" or "memory", creating the elements that lack. */
  setText(path: string, text: string): void {
    this.ensure(path).node.textContent = text;
  }

  setAttribute(name: string, value: string): void {
    this.node.setAttribute(name, value);
  }

  /** A detached deep copy, to edit without touching this document (e.g. a device XML for a live update). */
  clone(): XmlNode {
    return new XmlNode(this.node.cloneNode(true) as Element);
  }

  /** This element alone, serialized (the XML that device attach/detach/update calls take). */
  toXml(): string {
    return new XMLSerializer().serializeToString(this.node);
  }

  /** The child element at a simple slash-separated path, created when missing. */
  ensure(path: string): XmlNode {
    let current: Element = this.node;
    for (const step of path.split('/')) {
      const existing = (xpath.select(step, current as unknown as globalThis.Node) as unknown as Element[])[0];
      if (existing) {
        current = existing;
      } else {
        const created = current.ownerDocument!.createElement(step);
        current.appendChild(created);
        current = created;
      }
    }
    return new XmlNode(current);
  }
}
