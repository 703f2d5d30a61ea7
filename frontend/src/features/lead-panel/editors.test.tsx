import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { I18nProvider } from "../../i18n/i18n";
import { EditableText } from "./EditableText";
import { NotesEditor } from "./NotesEditor";

afterEach(cleanup);

const wrap = (ui: ReactNode) => <I18nProvider lang="en">{ui}</I18nProvider>;

describe("NotesEditor", () => {
  const notes = () => screen.getByTestId<HTMLTextAreaElement>("lead-notes");

  it("follows the saved value while not focused, keeps the draft while typing", () => {
    const onSave = vi.fn();
    const { rerender } = render(wrap(<NotesEditor value="a" saving={false} onSave={onSave} />));
    rerender(wrap(<NotesEditor value="b" saving={false} onSave={onSave} />));
    expect(notes().value).toBe("b");
    fireEvent.focus(notes());
    fireEvent.change(notes(), { target: { value: "b + mine" } });
    rerender(wrap(<NotesEditor value="c (someone else)" saving={false} onSave={onSave} />));
    expect(notes().value).toBe("b + mine");
    fireEvent.blur(notes());
    expect(onSave).toHaveBeenCalledWith("b + mine");
    expect(notes().value).toBe("c (someone else)");
  });

  it("does not save an unchanged note", () => {
    const onSave = vi.fn();
    render(wrap(<NotesEditor value="x" saving={false} onSave={onSave} />));
    fireEvent.focus(notes());
    fireEvent.blur(notes());
    expect(onSave).not.toHaveBeenCalled();
  });
});

describe("EditableText", () => {
  it("starts editing from the latest value, Escape discards the draft", () => {
    const onSave = vi.fn();
    const props = { placeholder: "Name", label: "Name", saving: false, onSave, testId: "lead-name" };
    const { rerender } = render(wrap(<EditableText value="Ana" {...props} />));
    rerender(wrap(<EditableText value="Ana Maria" {...props} />));
    fireEvent.click(screen.getByTestId("lead-name"));
    const input = screen.getByTestId<HTMLInputElement>("lead-name-input");
    expect(input.value).toBe("Ana Maria");
    fireEvent.change(input, { target: { value: "Bia" } });
    fireEvent.keyDown(input, { key: "Escape" });
    expect(onSave).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("lead-name"));
    expect(screen.getByTestId<HTMLInputElement>("lead-name-input").value).toBe("Ana Maria");
  });
});
